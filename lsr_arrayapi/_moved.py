"""Old module paths that still import, with a ``DeprecationWarning`` naming the new one.

``import lsr_arrayapi.coldstart`` (say) gives the module now at
``lsr_arrayapi.starts.lift``: the same object.  Names that left their module
(a documented function that moved, the two protocols of the old
``protocols`` module) are served from their new home, with the same warning.
What changed shape is not aliased: the cold start's budgets are the fields of
:class:`~lsr_arrayapi.starts.Lift` (``init=Lift(core_restarts=...)``), no longer
module constants that monkeypatching changes; the schedule functions of the
old ``solver`` module are the solver objects of :mod:`lsr_arrayapi.solvers`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any

#: old module (under ``lsr_arrayapi.``) -> its module now
MOVED: dict[str, str] = {
    "alternating": "solvers.alternating",
    "coldstart": "starts.lift",
    "conditioning": "diagnostics.conditioning",
    "core_split": "starts.core_split",
    "dask_design": "data.dask_design",
    "datasets": "data.datasets",
    "design": "data.design",
    "hookspecs": "plugins.hookspecs",
    "init": "starts.simple",
    "io": "data.io",
    "labels": "data.labels",
    "lack_of_fit": "starts.lack_of_fit",
    "model": "linalg.tensor",
    "orthogonalize": "linalg.orthogonalize",
    "protocols": "",  # UpdateRule and Family: the package's own names
    "quasi_newton": "solvers.lbfgs",
    "rule_contract": "rules.contract",
    "solver": "fit",
}
_PREFIX = "lsr_arrayapi."
#: module -> name that left it -> the module that holds it now
MOVED_NAMES: dict[str, dict[str, str]] = {
    "lsr_arrayapi.metrics": {"nee_squared": "lsr_arrayapi.reproduce.paper"},
    "lsr_arrayapi.data.datasets": {"paper_warm_start": "lsr_arrayapi.reproduce.paper"},
    "lsr_arrayapi.data.io": {"load_vesselmnist3d": "lsr_arrayapi.reproduce.vessel_data"},
}


def _new_name(old: str) -> str:
    """The module now at ``lsr_arrayapi.<old>`` (the package itself for ``protocols``)."""
    return (_PREFIX + MOVED[old]) if MOVED[old] else _PREFIX.rstrip(".")


def moved_attribute(module: str, name: str) -> Any:
    """A module ``__getattr__``: ``name`` from its new home, with a DeprecationWarning."""
    new = MOVED_NAMES.get(module, {}).get(name)
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} has moved to {new}.{name}; import it from there "
        "(the old path will be removed)",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(new), name)


def old_module(name: str) -> ModuleType:
    """``lsr_arrayapi.<name>`` as an attribute of the package, for a moved module."""
    if name not in MOVED:
        raise AttributeError(f"module 'lsr_arrayapi' has no attribute {name!r}")
    return importlib.import_module(_PREFIX + name)


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[int, Any] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname.startswith(_PREFIX) and fullname[len(_PREFIX) :] in MOVED:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec: Any) -> ModuleType:
        new = _new_name(spec.name[len(_PREFIX) :])
        warnings.warn(
            f"{spec.name} has moved to {new}; import it from there (the old path will be removed)",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        self._specs[id(module)] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module is the new one); give it back its own spec,
        which the import system has just overwritten with the old path's."""
        module.__spec__ = self._specs.pop(id(module))


def install() -> None:
    """Let the old paths import (once per process)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
