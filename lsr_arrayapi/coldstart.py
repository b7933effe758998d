"""The default cold start (``init="lift"``): Tucker fit, small LSR core fit, lift.

An LSR tensor with ranks r and S terms *is* a Tucker tensor with ranks
``S r_k`` whose factors are ``[B_k^1 ... B_k^S]`` and whose core is
block-diagonal with S copies of G.  So:

1. fit an unconstrained Tucker model with ranks ``min(S r_k, d_k)`` to the data
   (a benign problem) with the automatic S = 1 schedule (ALS for least
   squares; L-BFGS for other families, where an ALS block needs several Newton
   steps and a sweep several passes over X): ``n_init`` short runs (three
   iterations tell good starts from bad ones) -- from the spectral start, then
   random ones -- the best one continued;
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
from lsr_arrayapi.lack_of_fit import (
    far_from_tucker,
    lack_of_fit,
    tucker_ranks,
    warn_if_far_from_tucker,
)
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.model import lsr_tensor, multi_mode_product, unfold
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.rules.projected import QRRule

#: Stage budgets (outer iterations), chosen with ``python -m lsr_arrayapi.bench coldstart``.
TUCKER_SHORT, TUCKER_LONG = 3, 150
#: The widened retry's extra ranks fit noise, along which ALS crawls; 30 iterations end
#: at the same fit as 150 (``python -m lsr_arrayapi.bench coldstart``, S = 3 setting).
TUCKER_LONG_WIDENED = 30
#: The core stage: CORE_RESTARTS random starts per term beyond the first, all run to
#: CORE_SWEEPS sweeps together, because few starts reach the global split (chosen with
#: ``python -m lsr_arrayapi.bench coldstart``, whose S = 3 setting needs the most).
CORE_RESTARTS, CORE_SWEEPS = 64, 300
LIFT_CANDIDATES, LIFT_SHORT = 2, 10
#: Two core splits closer than this (relative) are one solution, refined once: splits of
#: one solution agree to about 1e-3, distinct ones differ by 5e-2 or more (docs/coldstart.md).
SAME_SPLIT_RTOL = 1e-2
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
    schedule: str = "gauss_seidel", rule: type = QRRule,
):  # fmt: skip
    """Each start in ``inits`` (strategy names) runs ``short`` iterations of
    ``schedule`` with update ``rule``; the best ``keep`` continue to ``long``."""
    starts = [
        _fit(design, objective, ranks, S, rng, fit_intercept, init, short, tol, schedule, rule)
        for init in inits
    ]
    finished = [
        _fit(design, objective, ranks, S, rng, fit_intercept, start, long, tol, schedule, rule)
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
    extra_rank: int = 0,
) -> tuple[Any, float]:
    """A start for ``fit_lsr`` found without the truth: ``(LSRFit, Tucker stage loss)``.

    ``extra_rank`` widens the Tucker stage to ranks ``min(S r_k + extra_rank, d_k)``
    (the retry of :func:`fit_from_lift`).
    """
    from lsr_arrayapi.solver import auto_schedule

    xp = objective.xp
    schedule = auto_schedule(design, objective.family, 1)
    stage_ranks = tucker_ranks(design.sample_shape, ranks, S, extra_rank)
    long = TUCKER_LONG_WIDENED if extra_rank else TUCKER_LONG
    long = 0 if S == 1 else long  # for S = 1 the fit proper is the long run
    tucker = restarted_fit(
        design,
        objective,
        stage_ranks,
        1,
        rng,
        fit_intercept,
        ["spectral"] + ["random"] * (n_init - 1),
        TUCKER_SHORT,
        1,
        long,
        TUCKER_TOL,
        schedule,
    )[0]
    tucker_loss = tucker.history["loss"][-1]
    if S == 1:
        return tucker, tucker_loss
    small, bases = hosvd_gauge(tucker.core, tucker.factors[0], xp=xp)
    restarts = CORE_RESTARTS * (S - 1)
    cores, small_factors, _ = split_core(small, ranks, S, restarts, CORE_SWEEPS, rng, xp=xp)
    candidates = []
    for i in _distinct_splits(cores, small_factors, min(LIFT_CANDIDATES, restarts)):
        factors = [
            [xp.matmul(basis, term[k][i, ...]) for k, basis in enumerate(bases)]
            for term in small_factors
        ]
        start = {"core": cores[i, ...], "factors": factors, "intercept": tucker.intercept}
        candidates.append(
            _fit(design, objective, ranks, S, rng, fit_intercept, start, LIFT_SHORT, 0.0, "lbfgs")
        )
    return _best(candidates)[0], tucker_loss


def hosvd_gauge(core: Any, bases: list[Any], *, xp: Any) -> tuple[Any, list[Any]]:
    """The same Tucker tensor ``core x_1 U_1 ... x_K U_K`` in its HOSVD gauge, signs fixed.

    A Tucker fit fixes its factors only up to a rotation per mode, and which
    rotation a fit ends in depends on rounding, so it differs between backends.
    The core split draws its random starts in the core's frame, so the frame
    must be canonical for one seed to give one answer everywhere: each mode is
    rotated to the left singular vectors of the core's unfolding (descending
    singular values), and each factor column's largest-magnitude entry is made
    positive.  ``core`` has shape q, ``bases[k]`` ``(d_k, q_k)``.
    """
    rotations: list[Any] = []
    for k in range(core.ndim):
        unfolded = unfold(core, k, xp)
        if unfolded.shape[0] > unfolded.shape[1]:  # the unfolding has no square left basis
            rotations.append(None)
            continue
        left, _, _ = xp.linalg.svd(unfolded, full_matrices=False)
        rotations.append(left)
    core = multi_mode_product(core, rotations, transpose=True)
    bases = [U if P is None else xp.matmul(U, P) for U, P in zip(bases, rotations, strict=True)]
    for k, U in enumerate(bases):
        peaks = xp.linalg.diagonal(xp.take(U, xp.argmax(xp.abs(U), axis=0), axis=0))
        signs = xp.where(peaks < 0, -xp.ones_like(peaks), xp.ones_like(peaks))
        bases[k] = U * signs
        core = core * xp.reshape(signs, tuple(-1 if j == k else 1 for j in range(core.ndim)))
    return core, bases


def _distinct_splits(cores: Any, factors: list[list[Any]], count: int) -> list[int]:
    """Of the best ``count`` core splits (batched, best first), those that are not the
    same tensor as a better one to within ``SAME_SPLIT_RTOL`` (relative Frobenius
    distance, :func:`~lsr_arrayapi.metrics.nee` against the better one): refining a
    split twice costs ``LIFT_SHORT`` iterations for one and the same start."""
    tensors = [lsr_tensor(cores[i, ...], [[f[i, ...] for f in term] for term in factors])
               for i in range(count)]  # fmt: skip
    kept: list[int] = []
    for i, tensor in enumerate(tensors):
        if all(nee(tensor, tensors[j]) > SAME_SPLIT_RTOL for j in kept):
            kept.append(i)
    return kept


def fit_from_lift(
    run: Any, design: Design, objective: Objective, ranks: tuple[int, ...], S: int, rng: Any,
    fit_intercept: bool, n_init: int,
) -> Any:  # fmt: skip
    """``run(start)`` (the fit proper) from the lift start, checked against the Tucker stage.

    For S >= 2, when the converged fit is far worse than the Tucker fit
    (:mod:`lsr_arrayapi.lack_of_fit`), the lift is tried once more with the Tucker
    stage widened by one rank per mode and the lower loss kept (on the S = 3
    benchmark setting this rescued 2 of the 3 spurious fits; docs/coldstart.md);
    a :class:`~lsr_arrayapi.lack_of_fit.StartWarning` follows if it is still far.
    """
    start, tucker_loss = lift_start(design, objective, ranks, S, rng, fit_intercept, n_init)
    fit = run(start)
    if S == 1:
        return fit

    def statistic(fit: Any) -> float | None:
        if not fit.converged or objective.alpha or objective.weights is not None:
            return None
        return lack_of_fit(
            fit.history["loss"][-1], tucker_loss, design.n_samples, design.sample_shape, ranks,
            S, getattr(objective.family, "quadratic", False),
        )  # fmt: skip

    shape = design.sample_shape
    widens = tucker_ranks(shape, ranks, S, 1) != tucker_ranks(shape, ranks, S)
    if widens and far_from_tucker(statistic(fit)):
        wider, _ = lift_start(design, objective, ranks, S, rng, fit_intercept, n_init, 1)
        fit = _best([fit, run(wider)])[0]  # stable: the first fit wins a tie
    warn_if_far_from_tucker(statistic(fit))
    return fit
