"""Modules that moved still import from their old paths, with a DeprecationWarning."""

import importlib
import pathlib
import sys

import pytest

import lsr_arrayapi
from lsr_arrayapi._moved import MOVED

PACKAGE = pathlib.Path(lsr_arrayapi.__file__).parent


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_gives_the_new_module_and_warns(old):
    sys.modules.pop(f"lsr_arrayapi.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"lsr_arrayapi.{MOVED[old]}"):
        module = importlib.import_module(f"lsr_arrayapi.{old}")
    new = importlib.import_module(f"lsr_arrayapi.{MOVED[old]}")
    assert module is new
    assert new.__spec__.name == f"lsr_arrayapi.{MOVED[old]}"  # its own spec, not the alias's


def test_no_old_path_shadows_a_module_of_today():
    assert not [
        old for old in MOVED if (PACKAGE / f"{old}.py").exists() or (PACKAGE / old).is_dir()
    ]
