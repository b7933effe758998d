"""Old module paths that still import, with a ``DeprecationWarning`` naming the new one.

``import lsr_arrayapi.solver`` (say) gives the module now at ``lsr_arrayapi.fit``:
the same object, so its names and any monkeypatching reach the code that runs.
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
    "quasi_newton": "solvers.lbfgs",
    "rule_contract": "rules.contract",
    "solver": "fit",
}
_PREFIX = "lsr_arrayapi."


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self) -> None:
        self._specs: dict[int, Any] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname.startswith(_PREFIX) and fullname[len(_PREFIX) :] in MOVED:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec: Any) -> ModuleType:
        new = _PREFIX + MOVED[spec.name[len(_PREFIX) :]]
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
