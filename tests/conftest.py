"""Backends, dtypes and hypothesis profiles for the whole suite.

The ``backend`` fixture follows array-api-extra / scikit-learn: NumPy,
array-api-strict on a fake non-default device (so any array that leaves X's
device raises), torch on the CPU, and CuPy and CUDA torch when a GPU exists
(skipped cleanly otherwise).
"""

from __future__ import annotations

import importlib
import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # one BLAS / OpenMP thread per worker: ``-n auto`` already starts one worker
    # per core, and more threads than cores make every worker slower
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # for a BLAS loaded before this file
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", settings.get_profile("ci"), max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@dataclass(frozen=True)
class Backend:
    """One array library on one device."""

    name: str
    xp: Any
    device: Any

    def asarray(self, a: Any, dtype: str = "float64") -> Any:
        return self.xp.asarray(np.asarray(a), dtype=getattr(self.xp, dtype), device=self.device)

    def to_numpy(self, a: Any) -> np.ndarray:
        from lsr_arrayapi._backends import to_host

        return np.asarray(to_host(a))


def _load(name: str) -> Backend:
    if name == "numpy":
        import array_api_compat.numpy as xp

        return Backend(name, xp, None)
    if name == "array_api_strict":
        xps = importlib.import_module("array_api_strict")
        return Backend(name, xps, xps.Device("device1"))
    if name.startswith("torch"):
        torch = pytest.importorskip("torch")
        import array_api_compat.torch as xp

        device = name.split(":")[1]
        if device == "cuda" and not torch.cuda.is_available():
            pytest.skip("no CUDA device")
        return Backend(name, xp, device)
    if name == "cupy":
        cupy = pytest.importorskip("cupy")
        try:
            cupy.cuda.runtime.getDeviceCount()
        except Exception:
            pytest.skip("CuPy installed but no GPU")
        import array_api_compat.cupy as xp

        return Backend(name, xp, None)
    raise ValueError(name)


BACKENDS = ["numpy", "array_api_strict", "torch:cpu", "torch:cuda", "cupy"]
CPU_BACKENDS = ["numpy", "array_api_strict", "torch:cpu"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    return _load(request.param)


@pytest.fixture(params=["float64", "float32"])
def dtype(request: pytest.FixtureRequest) -> str:
    return request.param


def load_backend(name: str) -> Backend:
    return _load(name)


def tolerance(dtype: str, f64: float, f32: float) -> float:
    return f64 if dtype == "float64" else f32
