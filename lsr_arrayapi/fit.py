"""The block-coordinate solver: LSRTR and its variants, for any rule and family.

One outer iteration visits, in the paper's Gauss-Seidel order, every factor
``B_k^s`` (s outer, k inner) and then the core G (and the intercept).  Each
factor block costs two passes over X: ``R = sum_i r_i X_i`` for its gradient and
``eta = <X_i, B>`` at the trial point, which the next block reuses.  The
``"jacobi"`` schedule moves all factors from one ``R`` instead.

Step sizes (``lr=None``, the default): each factor block keeps its own step,
set from the curvature measured along its last step (the exact line-search
step of the local quadratic model) and safeguarded by Armijo backtracking, so
no tuning is needed and Poisson's unbounded curvature cannot blow up the fit.
The core and intercept move linearly, so they take an exact line search at
O(n) per trial.  A float ``lr`` is a fixed step for every block (the paper's
setting, no safeguard).
"""

from __future__ import annotations

import functools
import inspect
import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi._backends import RandomState, host_rng
from lsr_arrayapi.data.design import Design
from lsr_arrayapi.diagnostics.conditioning import check_magnitudes
from lsr_arrayapi.diagnostics.post_fit import check_fit
from lsr_arrayapi.exceptions import numerical_faults_translated
from lsr_arrayapi.linalg.tensor import core_gradient, factor_gradient, lsr_tensor, lsr_term
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.plugins import get_family_class, get_rule_class
from lsr_arrayapi.rules.contract import checked_rule
from lsr_arrayapi.solvers.alternating import als_iteration
from lsr_arrayapi.solvers.lbfgs import LBFGSState, lbfgs_step
from lsr_arrayapi.starts.lack_of_fit import model_dimension
from lsr_arrayapi.starts.simple import (
    check_start_shapes,
    random_factors,
    spectral_factors,
    warm_start,
)
from lsr_arrayapi.validation import check_fit_arguments

_ARMIJO = 1e-4
_MAX_BACKTRACKS = 30
_DIVERGED = 1e8


@dataclass
class LSRFit:
    """A fitted (or in-progress) LSR model; arrays live in X's namespace and device.

    ``core`` has shape ``r``, ``factors[s][k]`` shape ``(d_k, r_k)``;
    ``history`` holds per-iteration ``loss`` (penalized objective) and
    cumulative ``time`` in seconds (entry 0 is the start); ``eta`` is the
    linear predictor ``<X_i, B> + b_0`` on the training samples ``(n,)`` (None
    when unknown), which lets the post-fit checks skip a pass over X.
    """

    core: Any
    factors: list[list[Any]]
    intercept: float
    n_iter: int = 0
    converged: bool = False
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "time": []})
    eta: Any = field(default=None, repr=False, compare=False)

    @property
    def coef(self) -> Any:
        """The coefficient tensor B, shape ``d``."""
        return lsr_tensor(self.core, self.factors)

    def __repr__(self) -> str:
        """One line: shapes, ranks, iterations and final loss, not the arrays."""
        shape = tuple(int(f.shape[0]) for f in self.factors[0]) if self.factors else ()
        losses = self.history.get("loss") or [float("nan")]
        namespace = type(self.core).__module__.partition(".")[0]
        return (
            f"LSRFit(shape={shape}, ranks={tuple(int(r) for r in self.core.shape)}, "
            f"separation_rank={len(self.factors)}, n_iter={self.n_iter}, "
            f"converged={self.converged}, final_loss={losses[-1]:.6g}, "
            f"intercept={float(self.intercept):.6g}, namespace={namespace})"
        )


def make_rule(rule: str | Any, rule_options: Mapping[str, Any] | None, rng: Any) -> Any:
    """Instantiate a rule by name (or pass an instance through), checking option names.

    A rule that is not built in runs behind :func:`~lsr_arrayapi.rules.contract.checked_rule`.
    """
    options = dict(rule_options or {})
    if not isinstance(rule, str):
        if options:
            raise ValueError("rule_options only apply when rule is given by name")
        return checked_rule(rule)
    cls = get_rule_class(rule)
    parameters = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    unknown = sorted(set(options) - set(parameters) - {"random_state"})
    if unknown and not takes_any:
        accepted = sorted(p for p in parameters if p != "random_state")
        raise ValueError(
            f"rule_options: unknown option(s) {unknown} for rule {rule!r}; accepted: {accepted}"
        )
    if "random_state" in parameters and "random_state" not in options:
        options["random_state"] = rng
    return checked_rule(cls(**options))


def make_family(family: str | Any) -> Any:
    return get_family_class(family)() if isinstance(family, str) else family


class _Solver:
    """Mutable state of one fit: factors, core, per-term tensors, coef, eta."""

    def __init__(
        self,
        design: Design,
        objective: Objective,
        rule: Any,
        lr: float | None,
        fit_intercept: bool,
        xp: Any,
    ) -> None:
        self.design, self.objective, self.rule, self.xp = design, objective, rule, xp
        self.fixed_lr = lr
        self.fit_intercept = fit_intercept
        self.start_value = math.inf
        # the family's bound on d^2 loss / d eta^2 (1 when unbounded): first step guesses
        self.curvature = getattr(objective.family, "curvature_bound", None) or 1.0

    @functools.cached_property
    def data_scale(self) -> float:
        """Mean squared entry of the samples: the data's share of the first step size.

        A pass over X, made only by the schedules that guess first step sizes
        (ALS at S = 1, exact block solves throughout, never does).
        """
        sq_norms = self.design.squared_norms()
        weighted = self.xp.sum(self.objective.sample_weights() * sq_norms)
        return float(weighted) / math.prod(self.design.sample_shape)

    # -- state -------------------------------------------------------------
    def start(
        self, core: Any, factors: list[list[Any]], intercept: float, eta: Any | None = None
    ) -> None:
        """Set the state; ``eta`` (n,), when the caller knows it, saves a pass over X."""
        self.core, self.factors, self.intercept = core, [list(t) for t in factors], intercept
        self.states = [[self.rule.init_state(W) for W in term] for term in self.factors]
        self.terms = [lsr_term(core, term) for term in self.factors]
        self.coef = self._sum(self.terms)
        self.eta = self.design.forward(self.coef) + intercept if eta is None else eta
        self.value = self._checked_value(self.eta, self.coef)
        self.start_value = min(self.start_value, self.value)
        self.steps: dict[tuple[tuple[int, int], ...], float] = {}

    def _sum(self, arrays: Sequence[Any]) -> Any:
        total = arrays[0]
        for a in arrays[1:]:
            total = total + a
        return total

    def _checked_value(self, eta: Any, coef: Any) -> float:
        value = self.objective.value(eta, coef)
        if not math.isfinite(value):
            value = math.inf
        return value

    def residual_tensor(self) -> Any:
        grad = self.design.adjoint(self.objective.sample_gradient(self.eta))
        if self.objective.alpha:
            grad = grad + self.objective.alpha * self.coef
        return grad

    # -- blocks ------------------------------------------------------------
    def update_factors(
        self, blocks: tuple[tuple[int, int], ...], block_design: Any | None = None
    ) -> None:
        """One safeguarded step on the factor ``blocks`` (``(s, k)`` pairs) at once.

        Gauss-Seidel passes one block per call; Jacobi passes all of them, so
        every factor moves from the same residual tensor (one pass pair for all).
        With ``block_design`` Z ``(n, d_k r_k)`` (one block; ``eta`` is affine in
        it, see :mod:`lsr_arrayapi.solvers.alternating`) the step makes no pass over X.
        """
        xp = self.xp
        if block_design is None:
            residual = self.residual_tensor()
            grads = [factor_gradient(residual, self.core, self.factors[s], k) for s, k in blocks]
        else:
            ((s, k),) = blocks
            weights = self.objective.sample_gradient(self.eta)
            grad = xp.reshape(xp.matmul(weights, block_design), self.factors[s][k].shape)
            if self.objective.alpha:
                ridge = factor_gradient(self.coef, self.core, self.factors[s], k)
                grad = grad + self.objective.alpha * ridge
            grads = [grad]
        olds = [self.factors[s][k] for s, k in blocks]
        accept_any = self.fixed_lr is not None or getattr(self.rule, "owns_step_size", False)
        lr = self.fixed_lr if self.fixed_lr is not None else self._initial_step(blocks)
        states, restarted = [self.states[s][k] for s, k in blocks], False
        touched = sorted({s for s, _ in blocks})
        for _ in range(_MAX_BACKTRACKS):
            moved = [
                self.rule.step(W, grad, state, lr)
                for W, grad, state in zip(olds, grads, states, strict=True)
            ]
            predicted = -sum(
                float(xp.sum(grad * (new - W)))
                for grad, (new, _), W in zip(grads, moved, olds, strict=True)
            )
            if not accept_any and not predicted > 0:
                if restarted or all(state is None for state in states):
                    break  # zero gradient on the manifold: nothing to gain
                # not a descent direction (stale momentum): restart the rule's state
                states, restarted = [self.rule.init_state(W) for W in olds], True
                continue
            factors = [list(term) for term in self.factors]
            for (s, k), (new, _) in zip(blocks, moved, strict=True):
                factors[s][k] = new
            terms = list(self.terms)
            coef = self.coef
            for s in touched:
                terms[s] = lsr_term(self.core, factors[s])
                coef = coef - self.terms[s] + terms[s]
            if block_design is None:
                eta = self.design.forward(coef) + self.intercept
            else:
                change = xp.reshape(moved[0][0] - olds[0], (-1,))
                eta = self.eta + xp.matmul(block_design, change)
            value = self._checked_value(eta, coef)
            if accept_any or value <= self.value - _ARMIJO * predicted:
                if accept_any and value > _DIVERGED * (abs(self.start_value) + 1):
                    raise FloatingPointError(
                        f"the fit diverged (objective {value:.3g}); lower lr or use lr=None"
                    )
                if not accept_any:
                    curvature_term = value - self.value + predicted
                    self.steps[blocks] = lr * _model_step_ratio(predicted, curvature_term)
                for (s, k), (_, state) in zip(blocks, moved, strict=True):
                    self.states[s][k] = state
                self.factors, self.terms = factors, terms
                self.coef, self.eta, self.value = coef, eta, value
                return
            lr *= 0.5
        self.steps[blocks] = lr  # no acceptable step: stationary blocks, to precision

    def _initial_step(self, blocks: tuple[tuple[int, int], ...]) -> float:
        step = self.steps.get(blocks)
        if step is not None:
            return step
        # A first guess from the curvature of the family times that of the core
        # unfolding (and the number of blocks moving together); the measured
        # curvature takes over after one step.
        # (a zero core gives zero factor gradients, whatever the step)
        core_norm = float(self.xp.sum(self.core * self.core)) or 1.0
        return 1.0 / (self.curvature * core_norm * self.data_scale * len(blocks))

    def update_core(self) -> None:
        xp = self.xp
        direction = -core_gradient(self.residual_tensor(), self.factors)
        if self.fixed_lr is None:  # a unit direction: its image stays in range for any X scale
            norm = float(xp.linalg.vector_norm(xp.reshape(direction, (-1,))))
            direction = direction / norm if norm > 0 else direction
        d_coef = lsr_tensor(direction, self.factors)
        d_eta = self.design.forward(d_coef)
        if self.fixed_lr is not None:
            t = self.fixed_lr
        else:
            data_curvature = self.curvature * float(xp.sum(d_eta * d_eta)) / self.objective.n
            denom = data_curvature + self.objective.alpha * float(xp.sum(d_coef * d_coef))
            t0 = 1.0 / denom if denom > 0 else 1.0
            t = self.objective.line_search(self.eta, self.coef, d_eta, d_coef, t0)
        self.core = self.core + t * direction
        self.terms = [lsr_term(self.core, term) for term in self.factors]
        self.coef = self.coef + t * d_coef
        self.eta = self.eta + t * d_eta
        if self.fit_intercept:
            self.update_intercept()
        self.value = self._checked_value(self.eta, self.coef)
        if self.fixed_lr is not None and self.value > _DIVERGED * (abs(self.start_value) + 1):
            raise FloatingPointError(f"the fit diverged (objective {self.value:.3g}); lower lr")

    def update_intercept(self) -> None:
        xp = self.xp
        ones = xp.ones_like(self.eta)
        slope = float(xp.sum(self.objective.sample_gradient(self.eta)))
        t = self.objective.line_search(self.eta, self.coef, -slope * ones, None, 1 / self.curvature)
        self.intercept -= t * slope
        self.eta = self.eta - (t * slope) * ones

    def snapshot(self, n_iter: int, converged: bool, history: dict[str, list[float]]) -> LSRFit:
        return LSRFit(
            self.core, [list(t) for t in self.factors], self.intercept, n_iter, converged,
            history, self.eta,
        )  # fmt: skip


def _model_step_ratio(predicted: float, curvature_term: float) -> float:
    """Scale of the step that minimizes ``f - t P + t^2 C`` (C measured), clipped to [1/4, 4]."""
    if curvature_term <= 0:
        return 4.0
    return min(4.0, max(0.25, predicted / (2.0 * curvature_term)))


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
    init: str | Mapping[str, Any] | Any = "lift",
    n_init: int = 2,
    schedule: str = "auto",
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
        Stop when ``||B_t - B_{t-1}||_F <= tol * ||B_t||_F``.
    lr : float or None, default=None
        None: adaptive, safeguarded step sizes. A float: one fixed step for
        every block (the paper's setting, no safeguard).
    alpha : float, default=0.0
        Ridge penalty ``alpha/2 ||B||_F^2``.
    fit_intercept : bool, default=False
        Fit an intercept ``b_0`` (the paper's model has none; the estimators fit one).
    sample_weight : array-like of shape (n,) or None, default=None
        Non-negative weights of the samples' losses (None: equal weights).
    init : str or mapping or LSRFit, default="lift"
        Start: ``"lift"`` (the cold start, see :mod:`lsr_arrayapi.starts.lift`),
        ``"spectral"``, ``"random"``, or a warm start with ``core`` and
        ``factors`` (a mapping or a previous fit).
    n_init : int, default=2
        Starts screened by the Tucker stage of ``"lift"`` (the spectral one,
        then random ones).
    schedule : str, default="auto"
        Block order. ``"gauss_seidel"``: the paper's order, each factor in turn
        with ``rule``, two passes over X per factor. ``"jacobi"``: all factors
        from one residual tensor, then the core, four passes per iteration.
        ``"als"``: alternating block minimization, one pass per mode, each block
        solved on its own small design (Newton for S = 1, ``rule`` steps for
        S >= 2; see :mod:`lsr_arrayapi.solvers.alternating`). ``"lbfgs"``: Riemannian
        L-BFGS on all blocks at once, about two passes per iteration, no rule.
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
        X, y, sample_weight=sample_weight, init=init, ranks=ranks,
        separation_rank=separation_rank, family=family, rule=rule, rule_options=rule_options,
        max_iter=max_iter, tol=tol, lr=lr, alpha=alpha, fit_intercept=fit_intercept,
        n_init=n_init, schedule=schedule, random_state=random_state, callback=callback,
        verbose=verbose,
    )  # fmt: skip
    xp, design, y, weights = checked.xp, checked.design, checked.y, checked.weights
    ranks, init, sample_shape = checked.ranks, checked.init, design.sample_shape
    max_iter, tol, lr, alpha, n_init = (
        checked.options[k] for k in ("max_iter", "tol", "lr", "alpha", "n_init")
    )
    family_obj = make_family(family)
    family_obj.validate(y)
    check_magnitudes(design, y, xp=xp)
    _warn_if_underdetermined(design.n_samples, sample_shape, ranks, int(separation_rank), alpha)
    rng = host_rng(random_state)
    rule_obj = make_rule("qr" if rule is None else rule, rule_options, rng)
    if schedule == "auto":
        own_steps = rule is None and not rule_options and lr is None
        schedule = (
            auto_schedule(design, family_obj, int(separation_rank)) if own_steps else "gauss_seidel"
        )

    started = time.perf_counter()
    objective = Objective(family_obj, y, weights, alpha)
    S = int(separation_rank)

    stop = _StopRequest(callback)

    def run(start: Any) -> LSRFit:
        solver = _Solver(design, objective, rule_obj, lr, fit_intercept, xp)
        fit = run_bcd(
            solver, start, ranks, S, rng, max_iter, tol, stop.callback, verbose, started, schedule
        )
        if stop.requested:
            raise _Stopped(fit)
        return fit

    with numerical_faults_translated("fit_lsr"):
        try:
            if init == "lift":
                from lsr_arrayapi.starts.lift import fit_from_lift

                fit = fit_from_lift(run, design, objective, ranks, S, rng, fit_intercept, n_init)
            else:
                fit = run(init)
        except _Stopped as stopped:  # the user's callback ends the whole fit
            fit = stopped.fit
    check_fit(fit, design, objective, stacklevel=3)
    if not fit.converged and max_iter > 0 and fit.n_iter == max_iter:
        warnings.warn(
            f"LSR fit did not converge in {max_iter} iterations (tol={tol}); "
            "increase max_iter or loosen tol",
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


def auto_schedule(design: Any, family: Any, S: int) -> str:
    """The fastest measured schedule without a user rule (docs/performance.md).

    ALS where each of its blocks is one exact least-squares solve (S = 1, a
    quadratic family, a design with ``project``); L-BFGS otherwise -- a GLM
    block needs several Newton steps, and with S >= 2 the blocks are constrained.
    """
    quadratic = getattr(family, "quadratic", False)
    return "als" if S == 1 and quadratic and hasattr(design, "project") else "lbfgs"


def _warn_if_underdetermined(
    n_samples: int, sample_shape: tuple[int, ...], ranks: tuple[int, ...], S: int, alpha: float
) -> None:
    """Warn when the unpenalized model has at least as many parameters as samples.

    Then the maximum-likelihood fit interpolates the data or is not unique.
    Above that the maximum-likelihood fit is a sound estimate (at n = 300 for
    the paper's 167-dimensional model its error is 0.06-0.09); whether the
    start finds it is checked separately (:class:`~lsr_arrayapi.StartWarning`).
    """
    dimension = model_dimension(sample_shape, ranks, S)
    if alpha == 0 and n_samples <= dimension:
        warnings.warn(
            f"{n_samples} samples for a model of dimension {dimension}: the unpenalized "
            "maximum-likelihood fit interpolates the data or is not unique; use smaller "
            "ranks or separation_rank, or a ridge penalty alpha > 0 chosen by cross-validation",
            UserWarning,
            stacklevel=3,
        )


def run_bcd(
    solver: _Solver,
    init: Any,
    ranks: tuple[int, ...],
    S: int,
    rng: Any,
    max_iter: int,
    tol: float,
    callback: Callable[[int, LSRFit], bool | None] | None = None,
    verbose: int = 0,
    started: float | None = None,
    schedule: str = "gauss_seidel",
) -> LSRFit:
    """The block-coordinate loop from ``init`` (a strategy name or a warm start).

    ``schedule="gauss_seidel"`` updates one factor at a time (two passes over X
    each); ``"jacobi"`` moves every factor from one residual tensor, then the core.

    ``history["time"]`` counts from ``started`` (default: now), so a fit's
    first entry is the time its start took.
    """
    xp = solver.xp
    started = time.perf_counter() if started is None else started
    core, factors, intercept, eta = _initial_point(solver, init, ranks, S, rng)
    solver.start(core, factors, intercept, eta)
    history = {"loss": [solver.value], "time": [time.perf_counter() - started]}
    blocks = tuple((s, k) for s in range(S) for k in range(len(ranks)))
    groups = [blocks] if schedule == "jacobi" else [(block,) for block in blocks]
    quasi_newton = LBFGSState() if schedule == "lbfgs" else None
    converged = False
    n_iter = 0
    for n_iter in range(1, int(max_iter) + 1):
        previous = solver.coef
        if quasi_newton is not None:
            lbfgs_step(solver, quasi_newton)
        elif schedule == "als":
            als_iteration(solver)
        else:
            for group in groups:
                solver.update_factors(group)
            solver.update_core()
        history["loss"].append(solver.value)
        history["time"].append(time.perf_counter() - started)
        change = float(xp.linalg.vector_norm(xp.reshape(solver.coef - previous, (-1,))))
        size = float(xp.linalg.vector_norm(xp.reshape(solver.coef, (-1,))))
        if verbose:
            relative = change / max(size, 1e-300)
            print(f"iter {n_iter:4d}  loss {solver.value:.6e}  rel. change {relative:.2e}")
        converged = change <= tol * size
        if quasi_newton is not None and quasi_newton.stalled:
            # no step decreases the loss: converged only if at round-off level
            converged = quasi_newton.at_precision
        if callback is not None and callback(n_iter, solver.snapshot(n_iter, converged, history)):
            break
        if converged or (quasi_newton is not None and quasi_newton.stalled):
            break
    return solver.snapshot(n_iter, converged, history)


def _initial_point(
    solver: _Solver, init: Any, ranks: tuple[int, ...], S: int, rng: Any
) -> tuple[Any, list[list[Any]], float, Any]:
    """Factors from the init strategy; core and intercept by exact line searches from zero.

    Returns ``(core, factors, intercept, eta)``; ``eta`` is None for a warm start
    (computed by ``start``), else the linear predictor the line searches left.
    """
    design, objective, xp = solver.design, solver.objective, solver.xp
    like = objective.y
    sample_shape = design.sample_shape
    if not isinstance(init, str):
        core, factors, intercept = warm_start(init, xp=xp, like=like)
        check_start_shapes(core, factors, sample_shape, ranks, S)
        return core, factors, 0.0 if intercept is None else intercept, None
    zero_core = xp.zeros(ranks, dtype=like.dtype, device=design.device)
    zero_eta = xp.zeros_like(objective.y)  # B = 0: no pass over X
    solver.start(
        zero_core, random_factors(rng, sample_shape, ranks, S, xp=xp, like=like), 0.0, zero_eta
    )
    if solver.fit_intercept:
        solver.update_intercept()
    if init == "spectral":
        gradient = objective.sample_gradient(solver.eta)
        moment = design.adjoint(gradient - xp.mean(gradient))
        solver.factors = spectral_factors(moment, ranks, S, rng, xp=xp)
    solver.start(zero_core, solver.factors, solver.intercept, solver.eta)
    fixed, solver.fixed_lr = solver.fixed_lr, None
    solver.update_core()  # exact line search for the core's scale
    solver.fixed_lr = fixed
    return solver.core, solver.factors, solver.intercept, solver.eta
