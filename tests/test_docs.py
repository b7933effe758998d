"""Every Python block in the README and docs/ runs, so the docs cannot drift from the code."""

from __future__ import annotations

import pathlib
import re
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_run(page):
    blocks = BLOCK.findall(page.read_text())
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(page), "exec"), namespace)


def _documented_objects():
    """Every public function, class and method behind the API page's ``:::`` entries."""
    import importlib
    import inspect

    for line in (ROOT / "docs" / "api.md").read_text().splitlines():
        if not line.startswith("::: "):
            continue
        path = line[4:].strip()
        try:
            obj = importlib.import_module(path)
        except ImportError:
            module, _, name = path.rpartition(".")
            obj = getattr(importlib.import_module(module), name)
        members = [(path, obj)]
        if inspect.ismodule(obj):
            members += [
                (f"{path}.{name}", member)
                for name, member in vars(obj).items()
                if not name.startswith("_")
                and (inspect.isfunction(member) or inspect.isclass(member))
                and getattr(member, "__module__", None) == obj.__name__
            ]
        for name, member in list(members):
            if inspect.isclass(member):
                members += [
                    (f"{name}.{attr}", method)
                    for attr, method in vars(member).items()
                    if not attr.startswith("_") and inspect.isfunction(method)
                ]
        yield from members


def test_every_public_name_on_the_api_page_has_a_docstring():
    import inspect

    missing = sorted(
        {name for name, obj in _documented_objects() if not (inspect.getdoc(obj) or "").strip()}
    )
    assert not missing, f"undocumented public names: {missing}"
