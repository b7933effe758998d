"""The authors' code quirks that change the paper's figures.

Runner switches only: the library's solver never takes these paths.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lsr_arrayapi._backends import host_rng
from lsr_arrayapi._namespace import array_namespace, follow
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.families import Logistic
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.plugins.instances import make_rule
from lsr_arrayapi.result import LSRFit
from lsr_arrayapi.solvers.state import FitState
from lsr_arrayapi.starts.simple import warm_start


class _Fig7Logistic(Logistic):
    """Logistic loss whose residual is ``eta - y`` while ``least_squares`` is set."""

    least_squares = False

    def grad(self, eta: Any, y: Any) -> Any:
        return eta - y if self.least_squares else super().grad(eta, y)


def fit_fig7_lsrtr(
    X: Any,
    y: Any,
    start: Any,
    alpha: float,
    iterations: int,
    callback: Callable[[int, LSRFit], None],
) -> LSRFit:
    """LSRTR as the Fig 7 script runs it: unsigned QR, fixed step ``alpha``, and the
    least-squares residual ``X b - y`` in the factor gradients (the core step uses
    the logistic residual).  ``start``: the paper's warm start."""
    xp = array_namespace(X)
    family = _Fig7Logistic()
    rule = make_rule("qr", {"sign_fix": False, "tangent": False}, None)
    solver = FitState(InMemoryDesign(X), Objective(family, y, None, 0.0), rule=rule, lr=alpha)
    core, factors, _ = warm_start(start, xp=xp, like=y)
    began = time.perf_counter()
    solver.start(core, factors, 0.0)
    history = {"loss": [solver.value], "time": [time.perf_counter() - began]}
    for iteration in range(1, iterations + 1):
        family.least_squares = True
        for s in range(len(factors)):
            for k in range(len(factors[s])):
                solver.update_factors(((s, k),))
        family.least_squares = False
        solver.update_core()
        history["loss"].append(solver.value)
        history["time"].append(time.perf_counter() - began)
        callback(iteration, solver.snapshot(iteration, False, history))
    return solver.snapshot(iterations, False, history)


def sampled_label_error(eta: Any, y: Any, seed: int) -> float:
    """The Fig 7 prediction error: ``mean |Bernoulli(sigmoid(eta)) - y|`` with sampled labels."""
    xp = array_namespace(eta, y)
    uniform = follow(host_rng(seed).random(eta.shape[0]), eta, xp=xp, dtype=eta.dtype)
    labels = xp.astype(uniform < Logistic().mean(eta), eta.dtype)
    return float(xp.mean(xp.abs(labels - y)))
