"""Riemannian L-BFGS over all blocks at once (``schedule="lbfgs"``, experimental).

Every iteration takes one residual tensor (one pass) for the gradients of all
factors (projected onto their Stiefel tangent spaces) and of the core, forms an
L-BFGS direction from the last ``memory`` steps, retracts the factors by the
polar factor and backtracks on the objective (one forward pass per trial).
Stored pairs are not transported between tangent spaces (the cheap variant);
a non-descent direction resets the memory.  The update rule is not used.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from lsr_arrayapi.model import core_gradient, factor_gradient, lsr_tensor, lsr_term
from lsr_arrayapi.orthogonalize import polar_svd, project_tangent

_ARMIJO = 1e-4


class LBFGSState:
    def __init__(self, memory: int = 10) -> None:
        self.pairs: deque[tuple[list[Any], list[Any], float]] = deque(maxlen=memory)
        self.previous: tuple[list[Any], list[Any]] | None = None  # (step, gradient)
        self.step = 1.0


def _dot(xp: Any, a: list[Any], b: list[Any]) -> float:
    return sum(float(xp.sum(u * v)) for u, v in zip(a, b, strict=True))


def _axpy(alpha: float, x: list[Any], y: list[Any]) -> list[Any]:
    return [alpha * u + v for u, v in zip(x, y, strict=True)]


def lbfgs_step(solver: Any, state: LBFGSState) -> None:
    """One quasi-Newton step on (all factors, core) of ``solver`` (a ``solver._Solver``)."""
    xp = solver.xp
    residual = solver.residual_tensor()
    S, K = len(solver.factors), len(solver.factors[0])
    blocks = [(s, k) for s in range(S) for k in range(K)]
    grad = [
        project_tangent(
            solver.factors[s][k], factor_gradient(residual, solver.core, solver.factors[s], k)
        )
        for s, k in blocks
    ] + [core_gradient(residual, solver.factors)]
    if state.previous is not None:
        step, old_grad = state.previous
        change = [g - o for g, o in zip(grad, old_grad, strict=True)]
        curvature = _dot(xp, step, change)
        if curvature > 1e-12 * _dot(xp, step, step) ** 0.5 * _dot(xp, change, change) ** 0.5:
            state.pairs.append((step, change, 1.0 / curvature))
    # two-loop recursion
    q = list(grad)
    alphas = []
    for s_vec, y_vec, rho in reversed(state.pairs):
        alpha = rho * _dot(xp, s_vec, q)
        alphas.append(alpha)
        q = _axpy(-alpha, y_vec, q)
    if state.pairs:
        s_vec, y_vec, _ = state.pairs[-1]
        q = [_dot(xp, s_vec, y_vec) / _dot(xp, y_vec, y_vec) * u for u in q]
    for (s_vec, y_vec, rho), alpha in zip(state.pairs, reversed(alphas), strict=True):
        beta = rho * _dot(xp, y_vec, q)
        q = _axpy(alpha - beta, s_vec, q)
    direction = [-u for u in q]
    slope = _dot(xp, grad, direction)
    if not slope < 0:
        state.pairs.clear()
        direction = [-u for u in grad]
        slope = -_dot(xp, grad, grad)
    if not state.pairs:  # first or reset: a gradient step scaled to the start's step guess
        scale = solver._initial_step(tuple(blocks))
        direction = [scale * u for u in direction]
        slope *= scale
    t = 1.0
    for _ in range(30):
        factors = [list(term) for term in solver.factors]
        for (s, k), d in zip(blocks, direction[:-1], strict=True):
            factors[s][k] = polar_svd(solver.factors[s][k] + t * d)
        core = solver.core + t * direction[-1]
        coef = lsr_tensor(core, factors)
        eta = solver.design.forward(coef) + solver.intercept
        value = solver._checked_value(eta, coef)
        if value <= solver.value + _ARMIJO * t * slope:
            state.previous = ([t * d for d in direction], grad)
            solver.factors, solver.core = factors, core
            solver.terms = [lsr_term(core, term) for term in factors]
            solver.coef, solver.eta, solver.value = coef, eta, value
            if solver.fit_intercept:
                solver.update_intercept()
                solver.value = solver._checked_value(solver.eta, solver.coef)
            return
        t *= 0.5
    state.pairs.clear()
    state.previous = None
