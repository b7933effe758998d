"""The default cold start (``init="lift"``): Tucker fit, small LSR core fit, lift.

An LSR tensor with ranks r and S terms *is* a Tucker tensor with ranks
``S r_k`` whose factors are ``[B_k^1 ... B_k^S]`` and whose core is
block-diagonal with S copies of G.  So (spec, section 4):

1. fit an unconstrained Tucker model with ranks ``min(S r_k, d_k)`` to the data
   (a benign problem; ``n_init`` short restarts, the best one continued);
2. fit the LSR form to its small core ``C`` by least squares -- no pass over X,
   so many restarts cost little (two screens of short restarts, with the
   ``qr`` and the ``polar`` rule); keep the best few by residual;
3. lift: ``B_k^s = U_k V_k^s`` (orthonormal, since both are), then run a short
   refinement on the data from each of the best two and keep the lower loss.

For S = 1 stage 1 is already the model, and the start is the best Tucker fit.
The success rates and the time this costs are measured by
``python -m lsr_arrayapi.bench coldstart`` and recorded in ``docs/``.
"""

from __future__ import annotations

from typing import Any

from lsr_arrayapi.design import Design, IdentityDesign
from lsr_arrayapi.families import Gaussian
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.rules.projected import PolarRule, QRRule

#: Stage budgets (outer iterations), chosen from the coldstart benchmark.
TUCKER_SHORT, TUCKER_LONG = 15, 150
CORE_RESTARTS, CORE_KEEP, CORE_LONG = 20, 2, 300
#: The core stage's screens, ``(rule, iterations)``: each runs CORE_RESTARTS random
#: starts and continues its best CORE_KEEP; the best of all continue to the lift.
#: The two screens find the global core fit on different seeds (paper linear:
#: QR alone 33/40 seeds within 1.3x of the oracle, polar alone 38/40 but failing a
#: seed QR solves, both 37/40 at 3.9x the oracle's time; docs/coldstart.md).
CORE_SCREENS: tuple[tuple[type, int], ...] = ((QRRule, 15), (PolarRule, 25))
LIFT_CANDIDATES, LIFT_SHORT = 2, 10
TUCKER_TOL = 1e-4
SCHEDULE = "gauss_seidel"


def _best(fits: list[Any]) -> list[Any]:
    return sorted(fits, key=lambda fit: fit.history["loss"][-1])


def _fit(
    design: Design, objective: Objective, ranks, S, rng, fit_intercept, init, max_iter, tol,
    schedule: str = "gauss_seidel", rule: type = QRRule,
):  # fmt: skip
    from lsr_arrayapi.solver import _Solver, run_bcd

    solver = _Solver(design, objective, rule(), None, fit_intercept, objective.xp)
    return run_bcd(solver, init, ranks, S, rng, max_iter, tol, schedule=schedule)


def restarted_fit(
    design, objective, ranks, S, rng, fit_intercept, n_starts, short, keep, long, tol,
    long_schedule: str = "gauss_seidel", rule: type = QRRule,
):  # fmt: skip
    """``n_starts`` random starts run ``short`` iterations; the best ``keep`` continue to
    ``long`` (with ``long_schedule``), all with update ``rule``."""
    starts = [
        _fit(design, objective, ranks, S, rng, fit_intercept, "random", short, tol, rule=rule)
        for _ in range(n_starts)
    ]
    finished = [
        _fit(design, objective, ranks, S, rng, fit_intercept, start, long, tol, long_schedule, rule)
        for start in _best(starts)[:keep]
    ]
    return _best(finished)


def lift_start(
    design: Design,
    objective: Objective,
    ranks: tuple[int, ...],
    S: int,
    rng: Any,
    fit_intercept: bool,
    n_init: int,
) -> Any:
    """A start for ``fit_lsr`` (an ``LSRFit`` to warm-start from) found without the truth."""
    xp = objective.xp
    tucker_ranks = tuple(min(S * r, d) for r, d in zip(ranks, design.sample_shape, strict=True))
    tucker = restarted_fit(
        design,
        objective,
        tucker_ranks,
        1,
        rng,
        fit_intercept,
        n_init,
        TUCKER_SHORT,
        1,
        TUCKER_LONG,
        TUCKER_TOL,
        "lbfgs",
    )[0]
    if S == 1:
        return tucker
    small = tucker.core
    core_objective = Objective(Gaussian(), xp.reshape(small, (-1,)), None, 0.0)
    core_design = IdentityDesign(tuple(small.shape), small)
    cores = _best([
        fit
        for rule, short in CORE_SCREENS
        for fit in restarted_fit(
            core_design, core_objective, ranks, S, rng, False,
            CORE_RESTARTS, short, CORE_KEEP, CORE_LONG, 1e-9, "gauss_seidel", rule,
        )
    ])  # fmt: skip
    bases = tucker.factors[0]
    candidates = []
    for core_fit in cores[:LIFT_CANDIDATES]:
        factors = [
            [
                xp.matmul(basis, small_factor)
                for basis, small_factor in zip(bases, term, strict=True)
            ]
            for term in core_fit.factors
        ]
        start = {"core": core_fit.core, "factors": factors, "intercept": tucker.intercept}
        candidates.append(
            _fit(design, objective, ranks, S, rng, fit_intercept, start, LIFT_SHORT, 0.0)
        )
    return _best(candidates)[0]
