"""Backends as an asv parameter (SciPy's XPBenchmark pattern): skip what is missing, sync GPUs."""

from __future__ import annotations

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


def synthetic(n: int, shape: tuple[int, ...], family: str = "gaussian", seed: int = 0) -> Any:
    from lsr_arrayapi.data.datasets import make_lsr_problem

    return make_lsr_problem(n, sample_shape=shape, family=family, random_state=seed)


def as_float32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)
