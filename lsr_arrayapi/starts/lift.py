"""The default cold start (``init="lift"``): Tucker fit, small LSR core fit, lift.

An LSR tensor with ranks r and S terms *is* a Tucker tensor with ranks
``S r_k`` whose factors are ``[B_k^1 ... B_k^S]`` and whose core is
block-diagonal with S copies of G.  So:

1. fit an unconstrained Tucker model with ranks ``min(S r_k, d_k)`` to the data
   (a benign problem) with the automatic S = 1 schedule (ALS for least
   squares; L-BFGS for other families, where an ALS block needs several Newton
   steps and a sweep several passes over X): ``n_init`` short runs (three
   iterations tell good starts from bad ones) -- from the spectral start, then
   random ones -- the best one continued (and, where the LSR model covers its
   Tucker model, the second best; at small n also a ridge-path fit);
2. fit the LSR form to its small core ``C`` by least squares -- no pass over X:
   ``CORE_RESTARTS (S - 1)^2`` random starts run together, batched, by exact alternating
   Procrustes / least-squares sweeps (:mod:`lsr_arrayapi.starts.core_split`); keep
   the best few by residual;
3. lift: ``B_k^s = U_k V_k^s`` (orthonormal, since both are), then run a short
   L-BFGS refinement on the data from each of the best two and keep the lower loss.

For S = 1 stage 1 is already the model: the start is the best screened Tucker
fit, and the fit proper (same automatic schedule) is its long run.
The stages' budgets are the fields of :class:`Lift` (defaults: this module's
constants); ``init=Lift(core_restarts=128)`` changes one.  The success rates
and the time this costs are measured by ``python -m lsr_arrayapi.bench
coldstart`` and recorded in ``docs/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from lsr_arrayapi.linalg.tensor import lsr_tensor, multi_mode_product, unfold
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.solvers.choose import auto_solver
from lsr_arrayapi.solvers.lbfgs import LBFGS
from lsr_arrayapi.solvers.run import run
from lsr_arrayapi.solvers.state import data_scale
from lsr_arrayapi.starts.base import StartProblem
from lsr_arrayapi.starts.core_split import split_core
from lsr_arrayapi.starts.lack_of_fit import (
    far_from_tucker,
    lack_of_fit,
    smaller_than_tucker,
    tucker_dimension,
    tucker_ranks,
    uncheckable,
    warn_disagreement,
    warn_if_far_from_tucker,
    warn_uncheckable,
)
from lsr_arrayapi.starts.simple import RandomStart, SpectralStart

#: Stage budgets (outer iterations), chosen with ``python -m lsr_arrayapi.bench coldstart``.
TUCKER_SHORT, TUCKER_LONG = 3, 150
#: The widened retry's extra ranks fit noise, along which ALS crawls; 30 iterations end
#: at the same fit as 150 (``python -m lsr_arrayapi.bench coldstart``, S = 3 setting).
TUCKER_LONG_WIDENED = 30
#: The core stage: CORE_RESTARTS (S - 1)^2 random starts, all run to CORE_SWEEPS sweeps
#: together, because few starts reach the global split, and fewer the more terms share
#: the core (``python -m lsr_arrayapi.bench coldstart``: 64 for S = 2; the S = 3 setting
#: has two silent failures in 40 seeds with 128 starts, none of them with 256).
CORE_RESTARTS, CORE_SWEEPS = 64, 300
LIFT_CANDIDATES, LIFT_SHORT = 2, 10
#: Two core splits closer than this (relative) are one solution, refined once: splits of
#: one solution agree to about 1e-3, distinct ones differ by 5e-2 or more (docs/coldstart.md).
SAME_SPLIT_RTOL = 1e-2
#: The Tucker runs' tolerance: on 80 seeds of eight settings (every family, S = 3, K = 2,
#: n = 300) 1e-3 ends every fit at the loss that 1e-4 reaches, with 10-18 % fewer passes
#: on the paper's settings (``python -m lsr_arrayapi.bench roofline --whole-fit``).
TUCKER_TOL = 1e-3
#: Below this many samples per Tucker-stage parameter the ridge path is one more
#: Tucker candidate (chosen with ``python -m lsr_arrayapi.bench coldstart --only small``).
SMALL_N = 2
#: At small n the Tucker stage's long runs crawl; this many iterations end at the same
#: fits as 150 on the small-n settings, in a quarter of the time (same benchmark).
TUCKER_LONG_SMALL_N = 30
#: Two candidates whose final losses differ by more than this (relative) are different
#: optima: the sample has several, and the kept fit may not be the best.
AGREEMENT_RTOL = 1e-4
#: The ridge path's penalties, relative to the data's curvature scale.
RIDGE_PATH = (1e-1, 1e-2)


def _best(fits: list[Any]) -> list[Any]:
    return sorted(fits, key=lambda fit: fit.history["loss"][-1])


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _loss(fit: Any) -> float:
    return float(fit.history["loss"][-1])


@dataclass(frozen=True)
class Lift:
    """The default cold start (see the module docstring); every field is a stage budget."""

    name: ClassVar[str] = "lift"
    uses: ClassVar[tuple[str, ...]] = ("n_init",)
    tucker_short: int = TUCKER_SHORT
    tucker_long: int = TUCKER_LONG
    tucker_long_widened: int = TUCKER_LONG_WIDENED
    tucker_long_small_n: int = TUCKER_LONG_SMALL_N
    tucker_tol: float = TUCKER_TOL
    core_restarts: int = CORE_RESTARTS
    core_sweeps: int = CORE_SWEEPS
    lift_candidates: int = LIFT_CANDIDATES
    lift_short: int = LIFT_SHORT
    same_split_rtol: float = SAME_SPLIT_RTOL
    small_n: float = SMALL_N
    agreement_rtol: float = AGREEMENT_RTOL
    ridge_path: tuple[float, ...] = RIDGE_PATH

    def __post_init__(self) -> None:
        counts = [
            "tucker_short", "tucker_long", "tucker_long_widened", "tucker_long_small_n",
            "core_restarts", "core_sweeps", "lift_candidates", "lift_short",
        ]  # fmt: skip
        bad = [
            f"{name}={getattr(self, name)!r}" for name in counts if not _count(getattr(self, name))
        ]
        if bad:
            raise ValueError(f"Lift: {', '.join(bad)} must be ints >= 1")

    def fit(self, run: Callable[[Any], Any], problem: StartProblem) -> Any:
        """``run(start)`` (the fit proper) from the lift start, checked against the Tucker stage.

        For S >= 2 the LSR model lies inside the Tucker model of stage 1, so:

        * a fit with a lower loss than its Tucker fit proves that Tucker fit stuck;
          it is then continued from the fit (a better Tucker start), lifted again,
          and the lower of the two fits kept;
        * where the Tucker stage has several candidates (small n, or an LSR model
          as large as its Tucker model) each is lifted and fitted, the lowest loss
          kept; candidates that end at different losses show that the sample has
          several optima, and say so (:class:`~lsr_arrayapi.starts.lack_of_fit.StartWarning`);
        * when the kept fit is far worse than the best Tucker fit
          (:mod:`lsr_arrayapi.starts.lack_of_fit`), the lift is tried once more with the
          Tucker stage widened by one rank per mode and the lower loss kept;
        * a ``StartWarning`` follows if the kept fit is still far, or if the check
          cannot be made because n leaves the Tucker fit too few residual degrees of freedom.
        """
        design, objective, ranks, S = problem.design, problem.objective, problem.ranks, problem.S
        tuckers = self.tucker_stage(problem)
        if S == 1:
            return run(self.lift_start(problem, tucker=tuckers[0]))
        pairs = [self._lift_and_run(run, problem, tucker) for tucker in tuckers]
        fits = _best([fit for fit, _ in pairs])
        fit = fits[0]
        tucker_loss = min(_loss(tucker) for _, tucker in pairs)

        def statistic(fit: Any) -> float | None:
            if objective.alpha or objective.weights is not None:
                return None
            return lack_of_fit(
                _loss(fit),
                tucker_loss,
                n=objective.samples,
                shape=design.sample_shape,
                ranks=ranks,
                S=S,
                quadratic=getattr(objective.family, "quadratic", False),
            )

        shape = design.sample_shape
        widens = tucker_ranks(shape, ranks, S, 1) != tucker_ranks(shape, ranks, S)
        if widens and far_from_tucker(statistic(fit)):
            wider = self.lift_start(problem, extra_rank=1)
            fit = _best([fit, run(wider)])[0]  # stable: the first fit wins a tie
        losses = [_loss(f) for f in fits]
        if uncheckable(objective.samples, shape, ranks, S) and not objective.alpha:
            warn_uncheckable(objective.samples, shape, ranks, S)
        elif far_from_tucker(statistic(fit)):
            warn_if_far_from_tucker(statistic(fit))
        elif len(losses) > 1 and losses[1] - losses[0] > self.agreement_rtol * abs(losses[0]):
            warn_disagreement(_loss(fit), losses[1])
        return fit

    # -- stage 1: Tucker fits ------------------------------------------------
    def is_small_n(self, problem: StartProblem) -> bool:
        """Whether n is below ``small_n`` samples per Tucker-stage parameter (S >= 2)."""
        shape = problem.design.sample_shape
        dimension = tucker_dimension(shape, problem.ranks, problem.S)
        return problem.S >= 2 and problem.objective.samples < self.small_n * dimension

    def needs_second_candidate(self, problem: StartProblem) -> bool:
        """Whether the Tucker stage fits a second, independent candidate (S >= 2).

        At small n (:meth:`is_small_n`) the screens often all end in spurious
        Tucker fits.  Where the LSR model is not smaller than its Tucker model
        (:meth:`covers_tucker`) the LSR and Tucker maximum-likelihood fits
        coincide, so a stuck Tucker fit leaves its LSR fit stuck at the same
        loss, and the lack-of-fit statistic is undefined: only a second
        candidate can find, and flag, a better optimum.
        """
        return self.is_small_n(problem) or self.covers_tucker(problem)

    def covers_tucker(self, problem: StartProblem) -> bool:
        """Whether the LSR model (S >= 2) is not smaller than its Tucker model (K = 2:
        two rank-3 terms of a 20 x 25 matrix span the rank-6 matrices)."""
        shape, ranks, S = problem.design.sample_shape, problem.ranks, problem.S
        return S >= 2 and not smaller_than_tucker(shape, ranks, S)

    def tucker_stage(self, problem: StartProblem, extra_rank: int = 0) -> list[Any]:
        """Stage 1: Tucker fits with ranks ``min(S r_k + extra_rank, d_k)``, lowest loss first.

        The best screened fit's long run; where :meth:`needs_second_candidate`,
        independent candidates besides: where the LSR model covers its Tucker
        model, the second-best screen's long run (the Tucker fit *is* the model,
        and its optima lie in different screens' basins), and at small n, or
        with a single screen, a fit along a ridge path (:meth:`ridge_path_fit`).
        """
        S = problem.S
        solver = auto_solver(problem.design, problem.objective.family, 1)
        tucker = replace(
            problem,
            ranks=tucker_ranks(problem.design.sample_shape, problem.ranks, S, extra_rank),
            S=1,
        )
        small = self.is_small_n(problem)
        long = (
            self.tucker_long_widened
            if extra_rank
            else self.tucker_long_small_n
            if small
            else self.tucker_long
        )
        screened = self.tucker_screens(tucker, solver)
        if S == 1:  # the fit proper is the long run
            return screened[:1]
        starts, ridge = screened[:1], small and not extra_rank
        if not extra_rank and self.covers_tucker(problem):
            starts = screened[:2]
            ridge = ridge or len(starts) < 2  # a single screen: the ridge path is the second
        fits = [self.tucker_long_run(tucker, start, long, solver) for start in starts]
        if ridge:
            fits.append(self.ridge_path_fit(tucker, long, solver))
        return _best(fits)

    def tucker_screens(self, tucker: StartProblem, solver: Any) -> list[Any]:
        """``n_init`` short Tucker fits, lowest loss first: the spectral start, then random ones."""
        screens = [SpectralStart()] + [RandomStart()] * (tucker.n_init - 1)
        return _best(
            [_fit(tucker, init, self.tucker_short, self.tucker_tol, solver) for init in screens]
        )

    def tucker_long_run(self, tucker: StartProblem, start: Any, long: int, solver: Any) -> Any:
        """The Tucker fit continued from ``start`` for up to ``long`` iterations."""
        return _fit(tucker, start, long, self.tucker_tol, solver)

    def ridge_path_fit(self, tucker: StartProblem, long: int, solver: Any) -> Any:
        """A Tucker fit along a ridge path: penalized fits, strong to weak, then unpenalized.

        A ridge penalty ``alpha = a c s`` (``c`` the family's curvature bound, ``s`` the
        mean squared entry of X: relative to the data, so scale-free) for each ``a`` in
        ``ridge_path`` smooths the landscape the small-n Tucker fit crawls in; each fit
        starts where the previous one ended.
        """
        design, objective = tucker.design, tucker.objective
        curvature = getattr(objective.family, "curvature_bound", None) or 1.0
        scale = data_scale(design, objective) * curvature
        start: Any = SpectralStart()
        for relative in self.ridge_path:
            penalized = Objective(
                objective.family, objective.y, objective.weights, objective.alpha + relative * scale
            )
            start = _fit(replace(tucker, objective=penalized), start, long, self.tucker_tol, solver)
        return _fit(tucker, start, long, self.tucker_tol, solver)

    # -- stages 2 and 3: split the core, lift, refine -------------------------
    def lift_start(self, problem: StartProblem, extra_rank: int = 0, tucker: Any = None) -> Any:
        """A start for the fit proper found without the truth (an :class:`~lsr_arrayapi.LSRFit`).

        ``extra_rank`` widens the Tucker stage to ranks ``min(S r_k + extra_rank, d_k)``
        (the retry of :meth:`fit`); a given ``tucker`` fit replaces the stage.
        """
        if tucker is None:
            tucker = self.tucker_stage(problem, extra_rank)[0]
        if problem.S == 1:
            return tucker
        return self.refine(problem, self.split(problem, tucker))

    def split(self, problem: StartProblem, tucker: Any) -> list[dict[str, Any]]:
        """Stage 2: the best distinct LSR splits of ``tucker``'s core, lifted to starts."""
        xp = problem.objective.xp
        small, bases = hosvd_gauge(tucker.core, tucker.factors[0], xp=xp)
        restarts = self.core_restarts * (problem.S - 1) ** 2
        cores, small_factors, _ = split_core(
            small, problem.ranks, problem.S, restarts=restarts, sweeps=self.core_sweeps,
            rng=problem.rng, xp=xp,
        )  # fmt: skip
        count = min(self.lift_candidates, restarts)
        return [
            {
                "core": cores[i, ...],
                "factors": [
                    [xp.matmul(basis, term[k][i, ...]) for k, basis in enumerate(bases)]
                    for term in small_factors
                ],
                "intercept": tucker.intercept,
                "covariate_coef": tucker.covariate_coef,
            }
            for i in distinct_splits(cores, small_factors, count, self.same_split_rtol)
        ]

    def refine(self, problem: StartProblem, starts: list[dict[str, Any]]) -> Any:
        """Stage 3: ``lift_short`` L-BFGS iterations on the data from each start; the best."""
        return _best([_fit(problem, start, self.lift_short, 0.0, LBFGS()) for start in starts])[0]

    def _lift_and_run(
        self, run: Callable[[Any], Any], problem: StartProblem, tucker: Any
    ) -> tuple[Any, Any]:
        """The fit proper from ``tucker``'s lift, and the Tucker fit (repaired if it was stuck)."""
        fit = run(self.lift_start(problem, tucker=tucker))
        if _loss(fit) < _loss(tucker):  # the Tucker fit is stuck above a model inside its own
            tucker = self.continue_as_tucker(problem, fit)
            again = self.lift_start(problem, tucker=tucker)
            fit = _best([fit, run(again)])[0]  # stable: the first fit wins a tie
        return fit, tucker

    def continue_as_tucker(self, problem: StartProblem, fit: Any) -> Any:
        """The Tucker stage's long run started from an LSR ``fit`` (a Tucker tensor of ranks q).

        Mode k's basis is the range of the stacked factors ``[B_k^1 ... B_k^S]``
        (its leading ``q_k`` left singular vectors), the core the coefficient
        projected onto the bases, so the start is the fit's own tensor.
        """
        xp = problem.objective.xp
        q = tucker_ranks(problem.design.sample_shape, problem.ranks, problem.S)
        bases = []
        for k, width in enumerate(q):
            stacked = xp.concat([term[k] for term in fit.factors], axis=1)
            left, _, _ = xp.linalg.svd(stacked, full_matrices=False)
            bases.append(left[:, :width])
        core = multi_mode_product(fit.coef, bases, transpose=True)
        start = {
            "core": core,
            "factors": [bases],
            "intercept": fit.intercept,
            "covariate_coef": fit.covariate_coef,
        }
        solver = auto_solver(problem.design, problem.objective.family, 1)
        return _fit(
            replace(problem, ranks=q, S=1), start, self.tucker_long, self.tucker_tol, solver
        )


def _fit(problem: StartProblem, init: Any, max_iter: int, tol: float, solver: Any) -> Any:
    """A stage's fit of ``problem``: ``solver`` (its own steps, no rule) from ``init``."""
    return run(
        problem.design,
        problem.objective,
        solver=solver,
        rule=None,  # the stage solvers (ALS at S = 1, L-BFGS) take no rule steps
        init=init,
        ranks=problem.ranks,
        S=problem.S,
        rng=problem.rng,
        max_iter=max_iter,
        tol=tol,
        fit_intercept=problem.fit_intercept,
        covariates=problem.covariates,
    )


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


def distinct_splits(cores: Any, factors: list[list[Any]], count: int, rtol: float) -> list[int]:
    """Of the best ``count`` core splits (batched, best first), those that are not the
    same tensor as a better one to within ``rtol`` (relative Frobenius
    distance, :func:`~lsr_arrayapi.metrics.nee` against the better one): refining a
    split twice costs ``lift_short`` iterations for one and the same start."""
    tensors = [
        lsr_tensor(cores[i, ...], [[f[i, ...] for f in term] for term in factors])
        for i in range(count)
    ]
    kept: list[int] = []
    for i, tensor in enumerate(tensors):
        if all(nee(tensor, tensors[j]) > rtol for j in kept):
            kept.append(i)
    return kept
