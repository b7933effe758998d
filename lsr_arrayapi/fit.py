"""``fit_lsr``: check the arguments, choose the solver and the start, fit, check the fit.

The solvers live in :mod:`lsr_arrayapi.solvers` (one per ``schedule``), the
starts in :mod:`lsr_arrayapi.starts`; this module only wires them together.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi._backends import RandomState, host_rng
from lsr_arrayapi.diagnostics.conditioning import check_magnitudes
from lsr_arrayapi.diagnostics.post_fit import check_fit
from lsr_arrayapi.exceptions import numerical_faults_translated
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.plugins.instances import make_rule
from lsr_arrayapi.result import LSRFit
from lsr_arrayapi.solvers.run import run as run_solver
from lsr_arrayapi.starts.base import StartProblem
from lsr_arrayapi.starts.lack_of_fit import model_dimension
from lsr_arrayapi.validation import check_fit_arguments

__all__ = ["LSRFit", "fit_lsr"]


def fit_lsr(
    X: Any,
    y: Any,
    *,
    ranks: int | Sequence[int],
    separation_rank: int = 1,
    family: str | Any = "gaussian",
    rule: str | Any | None = None,
    rule_options: Mapping[str, Any] | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
    lr: float | None = None,
    alpha: float = 0.0,
    fit_intercept: bool = False,
    sample_weight: Any = None,
    covariates: Any = None,
    init: str | Any = "lift",
    n_init: int = 2,
    schedule: str | Any = "auto",
    random_state: RandomState = None,
    callback: Callable[[int, LSRFit], bool | None] | None = None,
    verbose: int = 0,
) -> LSRFit:
    """Fit a low-separation-rank tensor GLM (alternating, quasi-Newton or block coordinate descent).

    Parameters
    ----------
    X : array of shape (n, d_1, ..., d_K), dask array or Design
        Samples, K >= 2, of any array-API namespace; or a ``dask.array.Array``
        chunked along the samples (the passes over X run on Dask, the rest in
        memory in its chunks' namespace); or any :class:`~lsr_arrayapi.data.design.Design`.
    y : array-like of shape (n,)
        Responses, moved to X's namespace and device (a Dask y is computed: it
        holds n numbers).
    ranks : int or sequence of int
        Tucker ranks ``r_k <= d_k``, one per mode (an int: the same for every mode).
    separation_rank : int, default=1
        Number of terms S >= 1 sharing the core (S = 1 is a Tucker model).
    family : str or Family, default="gaussian"
        A registered family name (``"gaussian"``, ``"logistic"``, ``"poisson"``,
        plugins') or a family object.
    rule : str or UpdateRule or None, default=None
        Factor update rule. None: the schedule's own steps (see ``schedule``;
        ``"qr"`` where an explicitly chosen schedule needs a rule). A registered
        name (``"qr"``, ``"polar"``, ``"muon"``, ``"randomized_polar"``,
        plugins') or a rule object.
    rule_options : mapping or None, default=None
        Keyword options of the rule named by ``rule``.
    max_iter : int, default=200
        Maximum number of outer iterations.
    tol : float, default=1e-6
        Stop when ``||B_t - B_{t-1}||_F <= tol * ||B_t||_F`` and the linear part of the
        predictor (intercept, covariates' term ``o``) settles too:
        ``||o_t - o_{t-1}||_2 <= tol * ||eta_t||_2``.
    lr : float or None, default=None
        None: adaptive, safeguarded step sizes. A float: one fixed step for
        every block (the paper's setting, no safeguard).
    alpha : float, default=0.0
        Ridge penalty ``alpha/2 ||B||_F^2``.
    fit_intercept : bool, default=False
        Fit an intercept ``b_0`` (the paper's model has none; the estimators fit one).
    sample_weight : array-like of shape (n,) or None, default=None
        Non-negative weights of the samples' losses (None: equal weights).
    covariates : array-like of shape (n, p) or None, default=None
        Vector covariates Z beside the tensor, unpenalized:
        ``eta_i = <X_i, B> + Z_i gamma + b_0`` (moved to X's namespace; full
        column rank with the intercept, p < n).  The fit's ``covariate_coef``
        holds gamma.
    init : str or Start or mapping or LSRFit, default="lift"
        Start: a registered name -- ``"lift"`` (the cold start, see
        :mod:`lsr_arrayapi.starts.lift`; ``Lift(core_restarts=...)`` changes its budgets),
        ``"spectral"``, ``"random"``, plugins' --, a start object, or a warm
        start with ``core`` and ``factors`` (a mapping or a previous fit).
    n_init : int, default=2
        Starts screened by the Tucker stage of ``"lift"`` (the spectral one,
        then random ones).
    schedule : str or Solver, default="auto"
        The solver: a registered name, or a solver object with its own options
        (``lsr_arrayapi.solvers.LBFGS(memory=5, retraction="qr")``); the fit
        records which one ran in ``LSRFit.solver``. ``"gauss_seidel"``: the paper's order, each factor in turn
        with ``rule``, two passes over X per factor. ``"jacobi"``: all factors
        from one residual tensor, then the core, four passes per iteration.
        ``"als"``: alternating block minimization, two passes per iteration (one per
        mode and one for the core where no partial contraction is kept), each block
        solved on its own small design (Newton for S = 1, ``rule`` steps for
        S >= 2; see :mod:`lsr_arrayapi.solvers.alternating`). ``"lbfgs"``: Riemannian
        L-BFGS on all blocks at once, about two passes per iteration, no rule
        (its retraction is its own option).
        ``"auto"``: with no ``rule``, ``rule_options`` or ``lr``, ``"als"`` for
        S = 1 with the Gaussian family and ``"lbfgs"`` otherwise (the fastest
        measured, docs/performance.md); with one of them, ``"gauss_seidel"``.
    random_state : int or numpy.random.Generator or None, default=None
        Seed of every random draw (starts, sketches); the same seed gives the
        same fit on every backend.
    callback : callable or None, default=None
        ``callback(iteration, fit)`` after each outer iteration, with the
        current :class:`LSRFit`; return True to stop: that fit is returned.
        With ``init="lift"`` the cold start may run several candidate fits
        (each counts ``iteration`` from 1) and keep the lowest loss; a stop
        ends the whole fit at once.
    verbose : int, default=0
        Print the loss and relative change after every outer iteration when > 0.

    Returns
    -------
    LSRFit
        ``core``, ``factors``, ``intercept``, ``coef``, ``n_iter``,
        ``converged`` and ``history``, in X's namespace and on its device.
    """
    checked = check_fit_arguments(
        X,
        y,
        sample_weight=sample_weight,
        covariates=covariates,
        init=init,
        ranks=ranks,
        separation_rank=separation_rank,
        family=family,
        rule=rule,
        rule_options=rule_options,
        max_iter=max_iter,
        tol=tol,
        lr=lr,
        alpha=alpha,
        fit_intercept=fit_intercept,
        n_init=n_init,
        schedule=schedule,
        random_state=random_state,
        callback=callback,
        verbose=verbose,
    )
    xp, design, y, weights = checked.xp, checked.design, checked.y, checked.weights
    ranks, start, sample_shape = checked.ranks, checked.start, design.sample_shape
    max_iter, tol, lr, alpha, n_init = (
        checked.options[k] for k in ("max_iter", "tol", "lr", "alpha", "n_init")
    )
    family_obj, solver = checked.family, checked.solver  # y is checked against the family
    check_magnitudes(design, y, xp=xp, linear_in_y=getattr(family_obj, "linear_in_y", True))
    linear = int(fit_intercept) + (0 if checked.covariates is None else checked.covariates.shape[1])
    linear *= int(getattr(design, "outputs", 1))  # one intercept and gamma column per predictor
    objective = Objective(family_obj, y, weights, alpha)
    _warn_if_underdetermined(
        objective.samples, sample_shape, ranks, int(separation_rank), alpha, int(linear),
        weighted=weights is not None,
    )  # fmt: skip
    rng = host_rng(random_state)
    rule_obj = make_rule("qr" if rule is None else rule, rule_options, rng)

    started = time.perf_counter()
    S = int(separation_rank)

    stop = _StopRequest(callback)

    def run(point: Any) -> LSRFit:
        fit = run_solver(
            design,
            objective,
            solver=solver,
            rule=rule_obj,
            init=point,
            ranks=ranks,
            S=S,
            rng=rng,
            max_iter=max_iter,
            tol=tol,
            lr=lr,
            fit_intercept=fit_intercept,
            covariates=checked.covariates,
            callback=stop.callback,
            verbose=verbose,
            started=started,
        )
        if stop.requested:
            raise _Stopped(fit)
        return fit

    with numerical_faults_translated("fit_lsr"):
        try:
            problem = StartProblem(
                design, objective, ranks, S, rng, fit_intercept, n_init, checked.covariates
            )
            fit = start.fit(run, problem)
        except _Stopped as stopped:  # the user's callback ends the whole fit
            fit = stopped.fit
    solver_converged = fit.converged
    check_fit(fit, design, objective, stacklevel=3)
    if not fit.converged and max_iter > 0 and fit.n_iter == max_iter:
        warnings.warn(
            f"LSR fit did not converge in {max_iter} iterations (tol={tol}); "
            "increase max_iter or loosen tol",
            ConvergenceWarning,
            stacklevel=2,
        )
    elif not solver_converged and not stop.requested and fit.n_iter < max_iter:
        warnings.warn(
            f"LSR fit stopped after {fit.n_iter} iterations without converging: no step "
            "lowered the loss, above round-off, so the point is not a verified optimum; "
            "rescale X or y, or try another schedule or random_state",
            ConvergenceWarning,
            stacklevel=2,
        )
    return fit


class _Stopped(Exception):
    """Raised through the cold start when the user's callback stops a run."""

    def __init__(self, fit: LSRFit) -> None:
        super().__init__("stopped by the callback")
        self.fit = fit


class _StopRequest:
    """Wraps the user's callback; remembers whether it asked to stop."""

    def __init__(self, callback: Callable[[int, LSRFit], bool | None] | None) -> None:
        self.user, self.requested = callback, False
        self.callback = None if callback is None else self._call

    def _call(self, n_iter: int, fit: LSRFit) -> bool:
        self.requested = bool(self.user(n_iter, fit))  # type: ignore[misc]
        return self.requested


def _warn_if_underdetermined(
    n_samples: int,
    sample_shape: tuple[int, ...],
    ranks: tuple[int, ...],
    S: int,
    alpha: float,
    linear: int = 0,
    weighted: bool = False,
) -> None:
    """Warn when the unpenalized model has at least as many parameters as samples
    (``linear``: the intercept and covariate coefficients beside B's; with
    ``weighted``, ``n_samples`` counts the samples of positive weight).

    Then the maximum-likelihood fit interpolates the data or is not unique.
    Above that the maximum-likelihood fit is a sound estimate (at n = 300 for
    the paper's 167-dimensional model its error is 0.06-0.09); whether the
    start finds it is checked separately (:class:`~lsr_arrayapi.StartWarning`).
    """
    dimension = model_dimension(sample_shape, ranks, S) + linear
    if alpha == 0 and n_samples <= dimension:
        warnings.warn(
            f"{n_samples} samples{' of positive weight' if weighted else ''} for a model of "
            f"dimension {dimension}: the unpenalized "
            "maximum-likelihood fit interpolates the data or is not unique; use smaller "
            "ranks or separation_rank, or a ridge penalty alpha > 0 chosen by cross-validation",
            UserWarning,
            stacklevel=3,
        )
