"""The exact line search of the objective: convex 1-D minimization along a direction."""

from __future__ import annotations

import numpy as np
import pytest

from lsr_arrayapi.families import Gaussian, Poisson
from lsr_arrayapi.objective import Objective


def _reference_root(objective, eta, d_eta):
    """Bisection on the slope (bracketed by doubling) to machine precision."""
    lo, hi = 0.0, 1.0
    while objective.slope(eta + hi * d_eta, None, d_eta, None) < 0:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if objective.slope(eta + mid * d_eta, None, d_eta, None) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_gaussian_line_search_is_exact():
    rng = np.random.default_rng(0)
    y, eta, d_eta = rng.standard_normal((3, 200))
    objective = Objective(Gaussian(), y, None, 0.0)
    t = objective.line_search(eta, None, d_eta, None, 1.0)
    assert t == pytest.approx(float(d_eta @ (y - eta) / (d_eta @ d_eta)), rel=1e-12)


@pytest.mark.parametrize("reach", [1.0, 300.0, 2000.0])
def test_poisson_line_search_finds_the_minimum_when_the_far_slope_explodes(reach):
    """Large counts, eta = 0 and a Newton-sized step: at t = 1 the slope is up to
    e^300 times the slope at 0 (or overflows).  Regula falsi alone crept to
    t = 1e-16 here (a Tucker-stage step that never moved)."""
    rng = np.random.default_rng(1)
    eta = np.zeros(500)
    truth = rng.uniform(-7, 7, 500)
    y = rng.poisson(np.exp(truth)).astype(float)
    d_eta = truth / np.abs(truth).max() * reach
    objective = Objective(Poisson(), y, None, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        t = objective.line_search(eta, None, d_eta, None, 1.0)
        reference = _reference_root(objective, eta, d_eta)
    assert t == pytest.approx(reference, rel=1e-6)
    assert objective.value(eta + t * d_eta, None) < objective.value(eta, None)
