"""Estimation-error metrics (array API; Python floats out)."""

from __future__ import annotations

from typing import Any

from lsr_arrayapi._namespace import array_namespace


def nee(estimate: Any, truth: Any) -> float:
    """Normalized estimation error ``||B_hat - B||_F / ||B||_F`` (unsquared)."""
    xp = array_namespace(estimate, truth)
    diff = xp.reshape(estimate - truth, (-1,))
    return float(xp.linalg.vector_norm(diff) / xp.linalg.vector_norm(xp.reshape(truth, (-1,))))


def nee_squared(estimate: Any, truth: Any) -> float:
    """The LSRTR-M paper's error: ``||B_hat - B||_F^2 / ||B||_F^2``."""
    return nee(estimate, truth) ** 2
