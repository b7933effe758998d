"""The API reference documents every public name, and every public parameter.

Docstrings are parsed with Griffe's numpydoc parser, the one that renders the
API page (mkdocstrings), so what passes here is what the page shows.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pathlib
import re

import griffe
import pytest
from sklearn.base import BaseEstimator

import lsr_arrayapi

ROOT = pathlib.Path(__file__).resolve().parents[1]
ESTIMATORS = sorted(
    (getattr(lsr_arrayapi, name) for name in lsr_arrayapi.__all__
     if inspect.isclass(getattr(lsr_arrayapi, name))
     and issubclass(getattr(lsr_arrayapi, name), BaseEstimator)),
    key=lambda cls: cls.__name__,
)  # fmt: skip
#: (name, callable whose signature is documented, docstrings that document it)
DOCUMENTED = [
    ("fit_lsr", lsr_arrayapi.fit_lsr, [lsr_arrayapi.fit_lsr]),
    *[(cls.__name__, cls, [cls, cls.__init__]) for cls in ESTIMATORS],
    *[(f"{cls.__name__}.fit", cls.fit, [cls.fit]) for cls in ESTIMATORS],
]


def documented_parameters(objects) -> dict[str, tuple[str | None, str]]:
    """name -> (documented default or None, description) from the Parameters sections."""
    found: dict[str, tuple[str | None, str]] = {}
    for obj in objects:
        text = inspect.getdoc(obj) or ""
        sections = griffe.Docstring(text, parser="numpy").parse()
        for section in sections:
            if section.kind is griffe.DocstringSectionKind.parameters:
                for parameter in section.value:
                    default = None if parameter.value is None else str(parameter.value)
                    found[parameter.name] = (default, parameter.description.strip())
    return found


def signature_parameters(obj) -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(obj).parameters
    return {name: p for name, p in parameters.items() if name != "self"}


@pytest.fixture(autouse=True)
def _quiet_griffe(caplog):
    caplog.set_level(logging.ERROR, logger="griffe")


def test_the_estimators_are_found():
    assert {cls.__name__ for cls in ESTIMATORS} == {
        "LSRClassifier", "LSRGammaRegressor", "LSRPoissonRegressor", "LSRRegressor",
        "LSRTensorGLM",
    }  # fmt: skip


@pytest.mark.parametrize("name, obj, docstrings", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_every_public_parameter_has_its_own_description(name, obj, docstrings):
    documented = documented_parameters(docstrings)
    expected = signature_parameters(obj)
    missing = sorted(set(expected) - set(documented))
    assert not missing, f"{name}: parameters without a description: {missing}"
    stale = sorted(set(documented) - set(expected))
    assert not stale, f"{name}: documented parameters not in the signature: {stale}"
    empty = sorted(p for p, (_, description) in documented.items() if not description)
    assert not empty, f"{name}: empty descriptions: {empty}"
    descriptions = [description for _, description in documented.values()]
    shared = sorted({d for d in descriptions if descriptions.count(d) > 1})
    assert not shared, f"{name}: one description shared by several parameters: {shared}"


@pytest.mark.parametrize("name, obj, docstrings", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_documented_defaults_match_the_signature(name, obj, docstrings):
    documented = documented_parameters(docstrings)
    for parameter_name, parameter in signature_parameters(obj).items():
        if parameter_name not in documented:
            continue  # reported by the description test
        default, _ = documented[parameter_name]
        if parameter.default is inspect.Parameter.empty:
            assert default is None, f"{name}({parameter_name}) has no default, the doc says one"
            continue
        assert default is not None, f"{name}({parameter_name}): no 'default=' in its type"
        assert ast.literal_eval(default) == parameter.default, (
            f"{name}({parameter_name}): documented {default!r}, signature {parameter.default!r}"
        )


def _documented_objects():
    """Every public function, class and method behind the API page's ``:::`` entries."""
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
                    for attr, method in inspect.getmembers(member, inspect.isfunction)
                    if not attr.startswith("_") and method.__module__.startswith("lsr_arrayapi")
                ]
        yield from members


def test_every_public_name_on_the_api_page_has_a_docstring():
    missing = sorted(
        {name for name, obj in _documented_objects() if not (inspect.getdoc(obj) or "").strip()}
    )
    assert not missing, f"undocumented public names: {missing}"


def test_the_api_page_shows_the_estimators_inherited_fit():
    """``fit`` lives on a private base class; the page must list it for every estimator."""
    text = (ROOT / "docs" / "api.md").read_text()
    for cls in ESTIMATORS:
        entry = re.search(rf"^::: lsr_arrayapi\.{cls.__name__}\n((?:    .*\n)*)", text, flags=re.M)
        assert entry, f"{cls.__name__} is not on the API page"
        inherited = re.search(r"inherited_members:\s*\[([^\]]*)\]", entry[1])
        assert inherited, f"{cls.__name__}: no inherited_members option"
        names = {n.strip() for n in inherited[1].split(",")}
        assert {"__init__", "fit"} <= names, f"{cls.__name__}: inherited_members {names}"


def test_sphinx_roles_render_as_cross_references():
    import sys

    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from griffe_roles import render_roles
    finally:
        sys.path.pop(0)
    rendered = render_roles(
        "see :func:`~lsr_arrayapi.fit_lsr`, :class:`Design` and :mod:`lsr_arrayapi.starts.lift`",
        "lsr_arrayapi.data.design",
    )
    assert ":func:" not in rendered and ":class:" not in rendered and ":mod:" not in rendered
    assert '<autoref identifier="lsr_arrayapi.fit_lsr" optional><code>fit_lsr</code>' in rendered
    assert 'identifier="lsr_arrayapi.data.design.Design"' in rendered
    assert "<code>lsr_arrayapi.starts.lift</code>" in rendered
    for name, obj in _documented_objects():
        left = re.findall(r":[a-z]+:`", render_roles(inspect.getdoc(obj) or "", "m"))
        assert not left, f"{name}: roles the API page would print literally: {left}"


def test_every_parameters_section_on_the_api_page_matches_its_signature():
    """Beyond the estimators: a Parameters section, where one exists, is complete and distinct."""
    problems = []
    seen: set[int] = set()
    for name, obj in _documented_objects():
        if id(obj) in seen or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        seen.add(id(obj))
        docstrings = [obj, obj.__init__] if inspect.isclass(obj) else [obj]
        documented = documented_parameters(docstrings)
        if not documented:
            continue
        expected = set(signature_parameters(obj))
        descriptions = [description for _, description in documented.values()]
        if set(documented) != expected:
            problems.append(f"{name}: documents {sorted(documented)}, takes {sorted(expected)}")
        if not all(descriptions) or len(set(descriptions)) < len(descriptions):
            problems.append(f"{name}: empty or shared parameter descriptions")
    assert not problems, "\n".join(problems)
