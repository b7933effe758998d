"""The default cold start (``init="lift"``): Tucker fit, small LSR core fit, lift.

An LSR tensor with ranks r and S terms *is* a Tucker tensor with ranks
``S r_k`` whose factors are ``[B_k^1 ... B_k^S]`` and whose core is
block-diagonal with S copies of G.  So (spec, section 4):

1. fit an unconstrained Tucker model with ranks ``min(S r_k, d_k)`` to the data
   (a benign problem): ``n_init`` short runs of alternating block minimization
   (``schedule="als"``; three of its iterations tell good starts from bad ones)
   -- from the spectral start, then random ones -- the best one continued with
   the automatic S = 1 schedule (ALS for least squares, L-BFGS for other
   families, where ALS blocks need several Newton steps each);
2. fit the LSR form to its small core ``C`` by least squares -- no pass over X:
   ``CORE_RESTARTS (S - 1)`` random starts run together, batched, by exact alternating
   Procrustes / least-squares sweeps (:mod:`lsr_arrayapi.core_split`); keep
   the best few by residual;
3. lift: ``B_k^s = U_k V_k^s`` (orthonormal, since both are), then run a short
   L-BFGS refinement on the data from each of the best two and keep the lower loss.

For S = 1 stage 1 is already the model: the start is the best screened Tucker
fit, and the fit proper (same automatic schedule) is its long run.
The success rates and the time this costs are measured by
``python -m lsr_arrayapi.bench coldstart`` and recorded in ``docs/``.
"""

from __future__ import annotations

from typing import Any

from lsr_arrayapi.core_split import split_core
from lsr_arrayapi.design import Design
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.rules.projected import QRRule

#: Stage budgets (outer iterations), chosen from the coldstart benchmark.
TUCKER_SHORT, TUCKER_LONG = 3, 150
#: The core stage: CORE_RESTARTS random starts per term beyond the first, all run
#: to CORE_SWEEPS sweeps together.  On the small noiseless S = 2 problem 6-16 % of
#: the starts reach the global split (docs/coldstart.md); S = 3 needs more
#: (12 seeds: 8/12 successes with 64 starts, 11/12 with 128).
CORE_RESTARTS, CORE_SWEEPS = 64, 300
LIFT_CANDIDATES, LIFT_SHORT = 2, 10
TUCKER_TOL = 1e-4


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
    design, objective, ranks, S, rng, fit_intercept, inits, short, keep, long, tol,
    schedule: str = "gauss_seidel", rule: type = QRRule, long_schedule: str | None = None,
):  # fmt: skip
    """Each start in ``inits`` (strategy names) runs ``short`` iterations with
    ``schedule``; the best ``keep`` continue to ``long`` with ``long_schedule``
    (default: the same), all with update ``rule``."""
    starts = [
        _fit(design, objective, ranks, S, rng, fit_intercept, init, short, tol, schedule, rule)
        for init in inits
    ]
    long_schedule = long_schedule or schedule
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
) -> tuple[Any, float]:
    """A start for ``fit_lsr`` found without the truth: ``(LSRFit, Tucker stage loss)``."""
    from lsr_arrayapi.solver import auto_schedule

    xp = objective.xp
    screen = "als" if hasattr(design, "project") else "lbfgs"
    tucker_ranks = tuple(min(S * r, d) for r, d in zip(ranks, design.sample_shape, strict=True))
    tucker = restarted_fit(
        design,
        objective,
        tucker_ranks,
        1,
        rng,
        fit_intercept,
        ["spectral"] + ["random"] * (n_init - 1),
        TUCKER_SHORT,
        1,
        0 if S == 1 else TUCKER_LONG,  # for S = 1 the fit proper is the long run
        TUCKER_TOL,
        screen,
        long_schedule=auto_schedule(design, objective.family, 1),
    )[0]
    tucker_loss = tucker.history["loss"][-1]
    if S == 1:
        return tucker, tucker_loss
    small = tucker.core
    restarts = CORE_RESTARTS * (S - 1)
    cores, small_factors, _ = split_core(small, ranks, S, restarts, CORE_SWEEPS, rng, xp=xp)
    bases = tucker.factors[0]
    candidates = []
    for i in range(min(LIFT_CANDIDATES, restarts)):
        factors = [
            [xp.matmul(basis, term[k][i, ...]) for k, basis in enumerate(bases)]
            for term in small_factors
        ]
        start = {"core": cores[i, ...], "factors": factors, "intercept": tucker.intercept}
        candidates.append(
            _fit(design, objective, ranks, S, rng, fit_intercept, start, LIFT_SHORT, 0.0, "lbfgs")
        )
    return _best(candidates)[0], tucker_loss
