"""Riemannian L-BFGS over all blocks at once (``schedule="lbfgs"``).

Every iteration takes one residual tensor (one pass) for the gradients of all
factors (projected onto their Stiefel tangent spaces) and of the core, forms an
L-BFGS direction from the last ``memory`` steps, retracts the factors by the
polar factor and backtracks on the objective (one forward pass per trial).
Stored pairs are not transported between tangent spaces (the cheap variant);
a non-descent direction resets the memory.  The update rule is not used.

**Metric.**  The blocks are measured in a metric that makes the method
invariant to the scale of X and of y: the core block is weighted by the
curvature of the loss along a core move, ``c * s * S`` (``c`` the family's
curvature bound, ``s`` the mean squared entry of X), and the factor block of
mode k by that along a unit tangent move, ``c * s * ||G||_F^2 / r_k``.  Scaling
X by a constant scales G by its inverse and the core weight by its square, so
every step in these coordinates is the same; with one Euclidean metric for all
blocks the core and factor curvatures drift apart by the square of the scale
and the method crawls (or stops at once) on rescaled data.  The weights are
fixed while pairs are stored, and refreshed whenever the memory is empty.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from lsr_arrayapi.linalg.orthogonalize import polar_svd, project_tangent
from lsr_arrayapi.linalg.tensor import core_gradient, factor_gradient, lsr_tensor, lsr_term

_ARMIJO = 1e-4
_MAX_BACKTRACKS = 30
#: A gradient step that fails every backtrack ends the run; it counts as converged
#: when the decrease it predicted is below this fraction of the objective (round-off).
_ROUND_OFF = 1e-10


class LBFGSState:
    """Memory of one L-BFGS run: curvature pairs in the scaled coordinates, and the metric.

    ``stalled`` turns True when even a gradient step fails the line search, and
    ``at_precision`` tells whether that is because the fit is at round-off level.
    """

    def __init__(self, memory: int = 10) -> None:
        self.pairs: deque[tuple[list[Any], list[Any], float]] = deque(maxlen=memory)
        self.previous: tuple[list[Any], list[Any]] | None = None  # (scaled step, scaled grad)
        self.roots: list[float] | None = None  # square roots of the block weights
        self.stalled = False
        self.at_precision = False


def _dot(xp: Any, a: list[Any], b: list[Any]) -> float:
    """Inner product of two block lists, with one device-to-host transfer."""
    total = xp.sum(a[0] * b[0])
    for u, v in zip(a[1:], b[1:], strict=True):
        total = total + xp.sum(u * v)
    return float(total)


def _axpy(alpha: float, x: list[Any], y: list[Any]) -> list[Any]:
    return [alpha * u + v for u, v in zip(x, y, strict=True)]


def block_weights(solver: Any) -> list[float]:
    """Square roots of the metric's weights: one per factor block (s, k), then the core."""
    xp = solver.xp
    S, ranks = len(solver.factors), tuple(solver.core.shape)
    base = solver.curvature * solver.data_scale
    core_sq = float(xp.sum(solver.core * solver.core))
    factor = [math.sqrt(base * core_sq / r) if core_sq > 0 else math.sqrt(base) for r in ranks]
    return factor * S + [math.sqrt(base * S)]


def _two_loop(xp: Any, state: LBFGSState, grad: list[Any]) -> list[Any]:
    """The L-BFGS direction ``-H grad`` (scaled coordinates)."""
    q = list(grad)
    alphas = []
    for s_vec, y_vec, rho in reversed(state.pairs):
        alpha = rho * _dot(xp, s_vec, q)
        alphas.append(alpha)
        q = _axpy(-alpha, y_vec, q)
    if state.pairs:
        s_vec, y_vec, _ = state.pairs[-1]
        gamma = _dot(xp, s_vec, y_vec) / _dot(xp, y_vec, y_vec)
        q = [gamma * u for u in q]
    for (s_vec, y_vec, rho), alpha in zip(state.pairs, reversed(alphas), strict=True):
        beta = rho * _dot(xp, y_vec, q)
        q = _axpy(alpha - beta, s_vec, q)
    return [-u for u in q]


def lbfgs_step(solver: Any, state: LBFGSState) -> None:
    """One quasi-Newton step on (all factors, core) of ``solver`` (a ``solver._Solver``)."""
    xp = solver.xp
    if not state.pairs:
        state.roots = block_weights(solver)
    roots = state.roots
    assert roots is not None
    residual = solver.residual_tensor()
    S, K = len(solver.factors), len(solver.factors[0])
    blocks = [(s, k) for s in range(S) for k in range(K)]
    euclidean = [
        project_tangent(
            solver.factors[s][k], factor_gradient(residual, solver.core, solver.factors[s], k)
        )
        for s, k in blocks
    ] + [core_gradient(residual, solver.factors)]
    grad = [g / root for g, root in zip(euclidean, roots, strict=True)]
    if state.previous is not None:
        step, old_grad = state.previous
        change = [g - o for g, o in zip(grad, old_grad, strict=True)]
        curvature = _dot(xp, step, change)
        if curvature > 1e-12 * math.sqrt(_dot(xp, step, step) * _dot(xp, change, change)):
            state.pairs.append((step, change, 1.0 / curvature))
    direction = _two_loop(xp, state, grad)
    slope = _dot(xp, grad, direction)
    if not slope < 0:
        state.pairs.clear()
        direction = [-u for u in grad]
        slope = -_dot(xp, grad, grad)
    if not state.pairs:  # first or reset: a gradient step, shared among the blocks
        scale = 1.0 / len(grad)
        direction = [scale * u for u in direction]
        slope *= scale
    moves = [d / root for d, root in zip(direction, roots, strict=True)]  # original coordinates
    t = 1.0
    for _ in range(_MAX_BACKTRACKS):
        factors = [list(term) for term in solver.factors]
        for (s, k), d in zip(blocks, moves[:-1], strict=True):
            factors[s][k] = polar_svd(solver.factors[s][k] + t * d)
        core = solver.core + t * moves[-1]
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
    if not state.pairs:  # even a gradient step fails: nothing left to gain, or round-off
        state.stalled = True
        state.at_precision = -slope <= _ROUND_OFF * max(abs(solver.value), 1e-300)
    state.pairs.clear()
    state.previous = None
