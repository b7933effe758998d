"""The outer loop every solver runs in: start, iterate, stop, history.

:func:`run` sets up a :class:`~lsr_arrayapi.solvers.state.FitState` at the
start's point, then calls the solver's ``iterate`` until the point settles,
the solver stalls, the callback asks to stop, or ``max_iter`` is reached.
The point has settled when both the coefficients and the linear part of the
predictor (the intercept and the covariates' term, ``o = b_0 + Z gamma``) do:
``||B_t - B_{t-1}||_F <= tol ||B_t||_F`` and ``||o_t - o_{t-1}||_2 <= tol
||eta_t||_2``.  One host transfer per iteration decides convergence (three
with ``verbose``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from lsr_arrayapi.data.design import Design
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.result import LSRFit
from lsr_arrayapi.solvers.state import FitState
from lsr_arrayapi.starts.simple import (
    check_start_shapes,
    random_factors,
    warm_covariate_coef,
    warm_start,
)


def run(
    design: Design,
    objective: Objective,
    *,
    solver: Any,
    rule: Any,
    init: Any,
    ranks: tuple[int, ...],
    S: int,
    rng: Any,
    max_iter: int,
    tol: float,
    lr: float | None = None,
    fit_intercept: bool = False,
    covariates: Any = None,
    callback: Callable[[int, LSRFit], bool | None] | None = None,
    verbose: int = 0,
    started: float | None = None,
) -> LSRFit:
    """Fit from ``init`` (a factor strategy such as ``SpectralStart()``, or a warm start
    mapping) with ``solver``; ``covariates`` Z ``(n, p)`` enter eta unpenalized.

    ``rule`` and ``lr`` move the factors where the solver takes rule steps.
    ``history["time"]`` counts from ``started`` (default: now), so a fit's
    first entry is the time its start took.  The fit's ``solver`` field
    records the solver that ran (and the rule, where it used one).
    """
    started = time.perf_counter() if started is None else started
    state = FitState(
        design, objective, rule=rule, lr=lr, fit_intercept=fit_intercept, covariates=covariates
    )
    core, factors, intercept, eta, gamma = initial_point(state, init, ranks=ranks, S=S, rng=rng)
    state.start(core, factors, intercept, eta, gamma)
    if eta is None and not math.isfinite(state.value):  # a warm start
        raise ValueError(
            "the warm start's loss is not finite: its core, factors, intercept or "
            "covariate_coef put the linear predictor out of range for the data"
        )
    history = {"loss": [state.value], "time": [time.perf_counter() - started]}
    memory = solver.init(state)
    description = describe(solver, rule, lr, S)
    xp = state.xp
    converged = False
    n_iter = 0
    for n_iter in range(1, int(max_iter) + 1):
        previous, previous_offset = state.coef, state.offset()
        outcome = solver.iterate(state, memory)
        history["loss"].append(state.value)
        history["time"].append(time.perf_counter() - started)
        change = xp.linalg.vector_norm(xp.reshape(state.coef - previous, (-1,)))
        size = xp.linalg.vector_norm(xp.reshape(state.coef, (-1,)))
        settled = (change <= tol * size) & (
            offset_change(state, previous_offset) <= tol * xp.linalg.vector_norm(state.eta)
        )
        if verbose:
            relative = float(change) / max(float(size), 1e-300)
            print(f"iter {n_iter:4d}  loss {state.value:.6e}  rel. change {relative:.2e}")
        # stalled: no step decreases the loss; converged only if at round-off level
        converged = outcome.at_precision if outcome.stalled else bool(settled)
        if callback is not None and callback(
            n_iter, state.snapshot(n_iter, converged, history, description)
        ):
            break
        if converged or outcome.stalled:
            break
    return state.snapshot(n_iter, converged, history, description)


def offset_change(state: FitState, previous: Any) -> Any:
    """``||o_t - o_{t-1}||_2`` over the n samples, for the linear part ``o`` of eta
    (a float intercept, an intercept per predictor ``(m,)``, or ``b_0 + Z gamma`` ``(n,)``)."""
    delta = state.offset() - previous
    if isinstance(delta, float):
        return abs(delta) * math.sqrt(state.design.n_samples)
    norm = state.xp.linalg.vector_norm(delta)
    if tuple(delta.shape) == tuple(state.eta.shape):
        return norm
    return norm * math.sqrt(state.design.n_samples)


def describe(solver: Any, rule: Any, lr: float | None, S: int) -> str:
    """The solver that ran, in words: its repr, and the rule and step where it used them."""
    text = repr(solver)
    uses = solver.uses(S)
    if "rule" in uses:
        text += f" with rule {getattr(rule, 'name', type(rule).__name__)!r}"
    if "lr" in uses:
        text += f", lr={lr}"
    return text


def initial_point(
    state: FitState, init: Any, *, ranks: tuple[int, ...], S: int, rng: Any
) -> tuple[Any, list[list[Any]], float, Any, Any]:
    """Factors from the strategy ``init``; core and linear terms by exact steps from zero.

    The state starts at random orthonormal factors and a zero core (B = 0, so
    no pass over X), the intercept (and the covariates' coefficients) are set,
    then ``init.factors(state, rng)`` gives the factors.  Returns ``(core,
    factors, intercept, eta, covariate_coef)``; ``eta`` is None for a warm start
    (computed by ``start``), else the linear predictor the line searches left.
    """
    design, objective, xp = state.design, state.objective, state.xp
    like = objective.y
    sample_shape = design.sample_shape
    if not callable(getattr(init, "factors", None)):  # a warm start
        core, factors, intercept = warm_start(init, xp=xp, like=like)
        check_start_shapes(core, factors, sample_shape, ranks, S)
        gamma = warm_covariate_coef(init, state.covariate_shape, xp=xp, like=like)
        return core, factors, 0.0 if intercept is None else intercept, None, gamma
    zero_core = xp.zeros(ranks, dtype=like.dtype, device=design.device)
    outputs = getattr(design, "outputs", 1)  # linear predictors per sample
    zero_eta = (
        xp.zeros_like(objective.y)
        if outputs == 1
        else xp.zeros((design.n_samples, outputs), dtype=like.dtype, device=design.device)
    )  # B = 0: no pass over X
    state.start(
        zero_core, random_factors(rng, sample_shape, ranks, S, xp=xp, like=like), 0.0, zero_eta
    )
    if state.has_linear_terms:
        state.update_linear_terms()
    factors = init.factors(state, rng)
    state.start(zero_core, factors, state.intercept, state.eta, state.covariate_coef)
    state.update_core(line_search=True)  # the core's scale, whatever the fixed step
    return state.core, state.factors, state.intercept, state.eta, state.covariate_coef
