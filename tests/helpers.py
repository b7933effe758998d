"""Shared test helpers (import as ``from helpers import ...``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lsr_arrayapi.data.datasets import make_lsr_problem


def problem_on(backend: Any, dtype: str = "float64", **kwargs: Any):
    """A synthetic problem placed on ``backend`` with ``dtype``."""
    return make_lsr_problem(
        xp=backend.xp, dtype=getattr(backend.xp, dtype), device=backend.device, **kwargs
    )


def fits_by_schedule(problem: Any, schedules: tuple[str, ...], **options: Any) -> list:
    """``fit_lsr`` on ``problem`` once per schedule, warnings silenced, same options."""
    import warnings

    from lsr_arrayapi import fit_lsr

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            fit_lsr(problem.X, problem.y, schedule=schedule, **options) for schedule in schedules
        ]


def orthonormality_error(W: np.ndarray) -> float:
    W = np.asarray(W, dtype=np.float64)
    if W.shape[0] < W.shape[1]:
        W = W.T
    return float(np.max(np.abs(W.T @ W - np.eye(W.shape[1]))))


def matrix_with_spectrum(
    rng: np.random.Generator, m: int, n: int, singular_values: np.ndarray
) -> np.ndarray:
    """``U diag(s) V^T`` with Haar-random U (m x k), V (n x k), k = len(s)."""
    k = len(singular_values)
    u, _ = np.linalg.qr(rng.standard_normal((m, k)))
    v, _ = np.linalg.qr(rng.standard_normal((n, k)))
    return (u * singular_values) @ v.T


def plugin_module(rules=(), families=(), name: str | None = None):
    """A module with ``@hookimpl`` functions that contribute ``rules`` and ``families``."""
    import types

    from lsr_arrayapi import hookimpl

    names = (getattr(cls, "name", "unnamed") for cls in (*rules, *families))
    module = types.ModuleType(name or "_".join(["plugin", *names]))

    @hookimpl
    def lsr_arrayapi_update_rules():
        return list(rules)

    @hookimpl
    def lsr_arrayapi_families():
        return list(families)

    module.lsr_arrayapi_update_rules = lsr_arrayapi_update_rules
    module.lsr_arrayapi_families = lsr_arrayapi_families
    return module
