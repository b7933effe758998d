"""Backends as an asv parameter (SciPy's XPBenchmark pattern): skip what is missing, sync GPUs.

asv runs this suite against older commits too, so the benchmarks import the
library through :func:`lsr`: the current module path first, then its older
path (``_OLD_PATHS``); what an older commit lacks raises NotImplementedError in
``setup``, which asv reports as skipped (n/a) rather than failed.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

BACKENDS = ["numpy", "torch:cpu", "torch:cuda", "cupy"]


def load(backend: str) -> tuple[Any, Any]:
    """Return ``(to_backend, synchronize)``; raise NotImplementedError (asv: skipped) if missing."""
    if backend == "numpy":
        return (lambda a: a), (lambda: None)
    if backend.startswith("torch"):
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        device = backend.split(":")[1]
        if device == "cuda" and not torch.cuda.is_available():
            raise NotImplementedError("no CUDA device")
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        return (lambda a: torch.asarray(a, device=device)), sync
    if backend == "cupy":
        try:
            import cupy

            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:
            raise NotImplementedError("CuPy or a GPU is missing") from exc
        return cupy.asarray, cupy.cuda.get_current_stream().synchronize
    raise NotImplementedError(backend)


#: Current module path: the older path of the same module, tried second.
_OLD_PATHS = {
    "lsr_arrayapi.data.datasets": "lsr_arrayapi.datasets",
    "lsr_arrayapi.data.design": "lsr_arrayapi.design",
}


def lsr(module: str, name: str) -> Any:
    """``name`` from ``module`` (current path, else its old one); NotImplementedError if missing.

    asv reports a NotImplementedError raised in ``setup`` as skipped, so a
    benchmark that needs what an older commit lacks skips there instead of failing.
    """
    for path in filter(None, (module, _OLD_PATHS.get(module))):
        try:
            found = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (path + ".").startswith(exc.name + "."):
                raise  # the module exists but fails to import: a real failure
            continue
        if hasattr(found, name):
            return getattr(found, name)
    raise NotImplementedError(f"{module}.{name} is missing on this commit")


def synthetic(n: int, shape: tuple[int, ...], family: str = "gaussian", seed: int = 0) -> Any:
    make_lsr_problem = lsr("lsr_arrayapi.data.datasets", "make_lsr_problem")
    return make_lsr_problem(n, sample_shape=shape, family=family, random_state=seed)


def as_float32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)
