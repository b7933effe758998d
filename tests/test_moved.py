"""Modules and names that moved still import from their old paths, with a DeprecationWarning."""

import importlib
import pathlib
import sys

import pytest

import lsr_arrayapi
from lsr_arrayapi._moved import MOVED, MOVED_NAMES, _new_name

PACKAGE = pathlib.Path(lsr_arrayapi.__file__).parent


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_gives_the_new_module_and_warns(old):
    sys.modules.pop(f"lsr_arrayapi.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"has moved to {_new_name(old)}"):
        module = importlib.import_module(f"lsr_arrayapi.{old}")
    new = importlib.import_module(_new_name(old))
    assert module is new
    assert new.__spec__.name == _new_name(old)  # its own spec, not the alias's


def test_no_old_path_shadows_a_module_of_today():
    assert not [
        old for old in MOVED if (PACKAGE / f"{old}.py").exists() or (PACKAGE / old).is_dir()
    ]


def test_an_old_module_is_an_attribute_of_the_package(monkeypatch):
    sys.modules.pop("lsr_arrayapi.solver", None)
    monkeypatch.delattr(lsr_arrayapi, "solver", raising=False)  # set by an earlier import
    with pytest.warns(DeprecationWarning, match="lsr_arrayapi.fit"):
        assert lsr_arrayapi.solver.fit_lsr is lsr_arrayapi.fit_lsr
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        lsr_arrayapi.nonexistent  # noqa: B018


def test_the_old_protocols_module_still_has_both_protocols():
    sys.modules.pop("lsr_arrayapi.protocols", None)
    with pytest.warns(DeprecationWarning):
        from lsr_arrayapi.protocols import Family, UpdateRule
    assert (Family, UpdateRule) == (lsr_arrayapi.Family, lsr_arrayapi.UpdateRule)


@pytest.mark.parametrize(
    ("module", "name"), [(m, n) for m, names in MOVED_NAMES.items() for n in names]
)
def test_a_name_that_left_its_module_is_served_from_its_new_home(module, name):
    with pytest.warns(DeprecationWarning, match=f"{MOVED_NAMES[module][name]}.{name}"):
        value = getattr(importlib.import_module(module), name)
    assert value is getattr(importlib.import_module(MOVED_NAMES[module][name]), name)
    with pytest.raises(AttributeError):
        importlib.import_module(module).no_such_name  # noqa: B018
