"""The README's and docs/'s Python code runs as a user runs it: pasted into a script.

Conventions for fenced blocks (checked here):

* every fence names its language (```` ```python ````, ```` ```bash ````,
  ```` ```text ````, ...); a bare fence fails;
* the ```` ```python ```` blocks of a page, in order, form one script, run in a
  fresh interpreter (``sys.executable script.py``, cwd a temporary folder,
  ``PYTHONPATH`` the repository root), as a user pasting the page's examples
  into one file would;
* a block with a title, ```` ```python title="name.py" ````, is a complete
  program: it runs alone, as ``name.py``, not as part of the page's script;
* blocks in any other language (shell commands, output, fragments) do not run.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```(?P<info>.*)$")
TITLE = re.compile(r'title="(?P<title>[^"]+)"')
#: Pages whose script takes more than about a minute on two cores (still run in CI).
SLOW = {"README.md", "scaleout.md", "getting-started.md", "choosing.md"}
TIMEOUT_S = 900


@dataclasses.dataclass
class Block:
    language: str
    title: str | None
    code: str
    line: int


def fenced_blocks(page: pathlib.Path) -> list[Block]:
    """Every fenced block of a Markdown page, with its language, title and first line."""
    blocks: list[Block] = []
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        info = opening["info"].strip()
        language = info.split()[0] if info else ""
        title = TITLE.search(info)
        indent = len(opening["indent"])
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        if i == len(lines):
            raise ValueError(f"{page.name}: unclosed fence")
        code = "\n".join(body) + "\n"
        start = i - len(body)
        blocks.append(Block(language, title["title"] if title else None, code, start))
        i += 1
    return blocks


def scripts(page: pathlib.Path) -> dict[str, str]:
    """The scripts a user gets from a page: the untitled Python blocks as one, each titled one alone."""
    result: dict[str, str] = {}
    untitled = []
    for block in fenced_blocks(page):
        if block.language != "python":
            continue
        if block.title is None:
            untitled.append(f"# {page.name}, line {block.line}\n{block.code}")
        else:
            assert block.title not in result, f"{page.name}: two blocks titled {block.title}"
            result[block.title] = block.code
    if untitled:
        result[f"{page.stem}_page.py"] = "\n".join(untitled)
    return result


def run_script(name: str, code: str, folder: pathlib.Path) -> subprocess.CompletedProcess:
    path = folder / name
    path.write_text(code)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, path.name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def _cases():
    for page in PAGES:
        marks = [pytest.mark.slow] if page.name in SLOW else []
        for name in scripts(page):
            yield pytest.param(page, name, marks=marks, id=f"{page.name}:{name}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_fence_names_its_language(page):
    bare = [block.line for block in fenced_blocks(page) if not block.language]
    assert not bare, f"{page.name}: fences without a language start at lines {bare}"


@pytest.mark.parametrize("page, name", list(_cases()))
def test_page_code_runs_as_a_script(page, name, tmp_path):
    code = scripts(page)[name]
    result = run_script(name, code, tmp_path)
    assert result.returncode == 0, (
        f"{name} from {page.name} failed (exit {result.returncode}):\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-8000:]}"
    )


def test_a_cluster_example_without_a_main_guard_fails_as_a_script(tmp_path):
    """The runner sees what an in-process exec cannot: LocalCluster's worker processes
    re-import the script, so the example must sit under ``if __name__ == "__main__":``."""
    pytest.importorskip("distributed")
    code = (
        "from dask.distributed import Client, LocalCluster\n"
        "with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as c:\n"
        "    pass\n"
    )
    result = run_script("unguarded.py", code, tmp_path)
    assert result.returncode != 0
