"""The state of one fit and the safeguarded block steps every solver is built from.

:class:`FitState` holds the factors, core, intercept, the per-term tensors, the
coefficient tensor B, the linear predictor eta and the objective's value, and
moves them only through its methods: a safeguarded factor step (any rule, any
group of blocks), an exact line search on the core and on the intercept.

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
import math
from collections.abc import Sequence
from typing import Any

from lsr_arrayapi._namespace import array_namespace, device
from lsr_arrayapi.data.design import Design
from lsr_arrayapi.linalg.tensor import core_gradient, factor_gradient, lsr_tensor, lsr_term
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.result import LSRFit
from lsr_arrayapi.solvers.newton import newton_block, newton_matrix_block

ARMIJO = 1e-4
MAX_BACKTRACKS = 30
DIVERGED = 1e8


class FitState:
    """The point of one fit (factors, core, intercept, per-term tensors, B, eta, value).

    Built on ``design`` (X) and ``objective``; ``rule`` moves the factors in
    :meth:`update_factors`, with the fixed step ``lr`` (None: adaptive); a
    solver that takes no rule steps runs with ``rule=None``.
    """

    def __init__(
        self,
        design: Design,
        objective: Objective,
        *,
        rule: Any,
        lr: float | None = None,
        fit_intercept: bool = False,
        covariates: Any = None,
    ) -> None:
        self.design, self.objective, self.rule, self.xp = design, objective, rule, objective.xp
        self.fixed_lr = lr
        self.fit_intercept = fit_intercept
        #: the unpenalized linear part: the intercept and the covariates Z (n, p)
        self.covariates = covariates
        self.has_linear_terms = fit_intercept or covariates is not None
        #: ``[1, Z] = Q R`` (thin QR): Newton runs on ``u = R theta`` with the design Q,
        #: whose columns are orthonormal whatever the scale, offset or collinearity of Z
        self.linear_basis: Any = None
        if covariates is not None:
            self.linear_basis = self.xp.linalg.qr(linear_design(covariates, fit_intercept))
        self.start_value = math.inf

    @property
    def curvature(self) -> float:
        """The scale of ``d^2 loss / d eta^2`` for first step guesses and the L-BFGS metric:
        the family's bound, or for an unbounded family (Poisson) the weighted mean
        curvature at the current eta -- counts of mean 1e9 have curvature 1e9, and a
        guess of 1 sends every first step 1e9 times too far."""
        bound = getattr(self.objective.family, "curvature_bound", None)
        if bound:
            return float(bound)
        measured = float(self.xp.sum(self.objective.sample_curvature(self.eta)))
        return measured if 0 < measured < math.inf else 1.0

    @property
    def covariate_shape(self) -> tuple[int, ...]:
        """The shape of ``covariate_coef``: ``(p,)``, or ``(p, m)`` for m predictors per
        sample (``(0,)`` without covariates)."""
        p = 0 if self.covariates is None else int(self.covariates.shape[1])
        m = int(getattr(self.design, "outputs", 1))
        return (p,) if m == 1 else (p, m)

    @functools.cached_property
    def data_scale(self) -> float:
        """Mean squared entry of the samples: the data's share of the first step size.

        A pass over X, made only by the schedules that guess first step sizes
        (ALS at S = 1, exact block solves throughout, never does).
        """
        return data_scale(self.design, self.objective)

    # -- state -------------------------------------------------------------
    def start(
        self,
        core: Any,
        factors: list[list[Any]],
        intercept: float,
        eta: Any | None = None,
        covariate_coef: Any = None,
    ) -> None:
        """Set the state; ``eta`` (n,), when the caller knows it, saves a pass over X.

        ``covariate_coef`` (p,), or (p, m) for m predictors per sample, defaults to zeros
        when the fit has covariates.
        """
        self.core, self.factors, self.intercept = core, [list(t) for t in factors], intercept
        self.covariate_coef = None
        if self.covariates is not None:
            zeros = self.xp.zeros(
                self.covariate_shape, dtype=self.covariates.dtype, device=self.design.device
            )
            self.covariate_coef = zeros if covariate_coef is None else covariate_coef
        init_state = (lambda W: None) if self.rule is None else self.rule.init_state
        self.states = [[init_state(W) for W in term] for term in self.factors]
        self.terms = [lsr_term(core, term) for term in self.factors]
        self.coef = self._sum(self.terms)
        self.eta = self.design.forward(self.coef) + self.offset() if eta is None else eta
        self.value = self.checked_value(self.eta, self.coef)
        self.start_value = min(self.start_value, self.value)
        self.steps: dict[tuple[tuple[int, int], ...], float] = {}

    def move_to(
        self,
        *,
        core: Any = None,
        factors: list[list[Any]] | None = None,
        coef: Any = None,
        eta: Any = None,
        value: float | None = None,
    ) -> None:
        """Move the point: the given parts replace the current ones.

        A new core or factors recompute the per-term tensors, and B unless
        ``coef`` (its value at the new point) is given; a new ``eta`` (n,) must
        be the linear predictor of the new point.  ``value`` (the objective
        there) is recomputed when not given.
        """
        if core is not None or factors is not None:
            self.core = self.core if core is None else core
            self.factors = self.factors if factors is None else [list(t) for t in factors]
            self.terms = [lsr_term(self.core, term) for term in self.factors]
            self.coef = self._sum(self.terms) if coef is None else coef
        if eta is not None:
            self.eta = eta
        self.value = self.checked_value(self.eta, self.coef) if value is None else value

    def _sum(self, arrays: Sequence[Any]) -> Any:
        total = arrays[0]
        for a in arrays[1:]:
            total = total + a
        return total

    def checked_value(self, eta: Any, coef: Any) -> float:
        """The objective at ``(eta, coef)`` as a Python float (inf when not finite)."""
        value = self.objective.value(eta, coef)
        if not math.isfinite(value):
            value = math.inf
        return value

    def residual_tensor(self) -> Any:
        """The gradient of the objective in B, shape ``d`` (one pass over X)."""
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
        grads = self._factor_gradients(blocks, block_design)
        olds = [self.factors[s][k] for s, k in blocks]
        accept_any = self.fixed_lr is not None or getattr(self.rule, "owns_step_size", False)
        lr = self.fixed_lr if self.fixed_lr is not None else self._initial_step(blocks)
        states, restarted = [self.states[s][k] for s, k in blocks], False
        for _ in range(MAX_BACKTRACKS):
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
            trial = self._trial(blocks, [new for new, _ in moved], block_design)
            value = trial[-1]
            if accept_any or value <= self.value - ARMIJO * predicted:
                if accept_any and value > DIVERGED * (abs(self.start_value) + 1):
                    raise FloatingPointError(
                        f"the fit diverged (objective {value:.3g}); lower lr or use lr=None"
                    )
                if not accept_any:
                    curvature_term = value - self.value + predicted
                    self.steps[blocks] = lr * _model_step_ratio(predicted, curvature_term)
                for (s, k), (_, state) in zip(blocks, moved, strict=True):
                    self.states[s][k] = state
                self.factors, self.terms, self.coef, self.eta, self.value = trial
                return
            lr = backtrack(lr, -predicted / lr, value - self.value)
        self.steps[blocks] = lr  # no acceptable step: stationary blocks, to precision

    def _factor_gradients(
        self, blocks: tuple[tuple[int, int], ...], block_design: Any | None
    ) -> list[Any]:
        """The Euclidean gradient of each block ``(d_k, r_k)``: from one residual tensor (a
        pass over X), or from the block design Z of a single block (no pass)."""
        if block_design is None:
            residual = self.residual_tensor()
            return [factor_gradient(residual, self.core, self.factors[s], k) for s, k in blocks]
        xp = self.xp
        ((s, k),) = blocks
        weights = self.objective.sample_gradient(self.eta)
        grad = xp.reshape(xp.matmul(weights, block_design), self.factors[s][k].shape)
        if self.objective.alpha:
            ridge = factor_gradient(self.coef, self.core, self.factors[s], k)
            grad = grad + self.objective.alpha * ridge
        return [grad]

    def _trial(
        self, blocks: tuple[tuple[int, int], ...], news: list[Any], block_design: Any | None
    ) -> tuple[list[list[Any]], list[Any], Any, Any, float]:
        """``(factors, terms, coef, eta, value)`` with the ``blocks`` moved to ``news``: B
        updated term by term, eta by a forward pass (or through Z, without one)."""
        xp = self.xp
        factors = [list(term) for term in self.factors]
        for (s, k), new in zip(blocks, news, strict=True):
            factors[s][k] = new
        terms = list(self.terms)
        coef = self.coef
        for s in sorted({s for s, _ in blocks}):
            terms[s] = lsr_term(self.core, factors[s])
            coef = coef - self.terms[s] + terms[s]
        if block_design is None:
            eta = self.design.forward(coef) + self.offset()
        else:
            ((s, k),) = blocks
            change = xp.reshape(news[0] - self.factors[s][k], (-1,))
            eta = self.eta + xp.matmul(block_design, change)
        return factors, terms, coef, eta, self.checked_value(eta, coef)

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

    def update_core(self, *, line_search: bool = False) -> None:
        """A step on the core along its negative gradient, by exact line search (then the
        intercept); a fixed ``lr`` is the step instead, unless ``line_search``."""
        xp = self.xp
        fixed_lr = None if line_search else self.fixed_lr
        direction = -core_gradient(self.residual_tensor(), self.factors)
        if fixed_lr is None:  # a unit direction: its image stays in range for any X scale
            norm = float(xp.linalg.vector_norm(xp.reshape(direction, (-1,))))
            direction = direction / norm if norm > 0 else direction
        d_coef = lsr_tensor(direction, self.factors)
        d_eta = self.design.forward(d_coef)
        if fixed_lr is not None:
            t = fixed_lr
        else:
            data_curvature = self.curvature * float(xp.sum(d_eta * d_eta)) / self.objective.n
            denom = data_curvature + self.objective.alpha * float(xp.sum(d_coef * d_coef))
            # the Newton step along the unit direction: its length is the slope over the
            # curvature (1 / curvature alone is off by the slope, 1e49 for X ~ 1e50)
            slope = -self.objective.slope(self.eta, self.coef, d_eta, d_coef)
            t0 = (slope if slope > 0 else 1.0) / denom if denom > 0 else 1.0
            t = self.objective.line_search(self.eta, self.coef, d_eta, d_coef, t0)
        self.core = self.core + t * direction
        self.terms = [lsr_term(self.core, term) for term in self.factors]
        self.coef = self.coef + t * d_coef
        self.eta = self.eta + t * d_eta
        if self.has_linear_terms:
            self.update_linear_terms()
        self.value = self.checked_value(self.eta, self.coef)
        if fixed_lr is not None and self.value > DIVERGED * (abs(self.start_value) + 1):
            raise FloatingPointError(f"the fit diverged (objective {self.value:.3g}); lower lr")

    def offset(self) -> Any:
        """The linear part of eta: ``b_0 + Z gamma`` (n,), or the intercept alone (a float)."""
        if self.covariates is None:
            return self.intercept
        return self.intercept + self.xp.matmul(self.covariates, self.covariate_coef)

    def update_linear_terms(self) -> None:
        """The intercept (an exact line search along its gradient) or, with covariates,
        the intercept and gamma together (one damped Newton step on ``[1, Z]``, taken in
        the orthonormal basis of its columns)."""
        if self.covariates is None:
            self.update_intercept()
            return
        q, u = self.linear_basis[0], self.linear_coordinates()
        newton = newton_block if u.ndim == 1 else newton_matrix_block
        self.set_linear_coordinates(newton(self, q, u, steps=1))

    def linear_coordinates(self) -> Any:
        """With covariates: ``u = R theta`` ``(p + 1,)`` (``(p,)`` without an intercept; a
        column per predictor, ``(p + 1, m)``, for m predictors per sample), the
        coordinates of the linear part ``Q u = b_0 + Z gamma`` in the basis Q of ``[1, Z]``."""
        xp = self.xp
        theta: Any = self.covariate_coef
        if self.fit_intercept:
            zeros = xp.zeros((1, *theta.shape[1:]), dtype=theta.dtype, device=self.design.device)
            theta = xp.concat([zeros + self.intercept, theta])
        return xp.matmul(self.linear_basis[1], theta)

    def set_linear_coordinates(self, u: Any) -> None:
        """Set the intercept and ``covariate_coef`` from the coordinates ``u`` (eta is the
        caller's to keep)."""
        r = self.linear_basis[1]
        theta = (
            self.xp.linalg.solve(r, u[:, None])[:, 0] if u.ndim == 1 else self.xp.linalg.solve(r, u)
        )
        if self.fit_intercept:
            first = float(theta[0]) if u.ndim == 1 else theta[0, ...]
            self.intercept, theta = first, theta[1:, ...]
        self.covariate_coef = theta

    def update_intercept(self) -> None:
        """The intercept by an exact line search along its gradient (one per predictor
        when eta is ``(n, m)``: a vector ``(m,)``)."""
        xp = self.xp
        if self.eta.ndim == 2:
            slopes = xp.sum(self.objective.sample_gradient(self.eta), axis=0)  # (m,)
            d_eta = -xp.broadcast_to(slopes[None, :], self.eta.shape)
            t = self.objective.line_search(self.eta, self.coef, d_eta, None, 1 / self.curvature)
            self.intercept = self.intercept - t * slopes
            self.eta = self.eta + t * d_eta
            return
        ones = xp.ones_like(self.eta)
        slope = float(xp.sum(self.objective.sample_gradient(self.eta)))
        if not (slope != 0 and math.isfinite(slope)):
            return
        # a unit direction (t moves eta itself): slope * slope overflows for gamma y ~ 1e200
        sign = -math.copysign(1.0, slope)
        t = self.objective.line_search(
            self.eta, self.coef, sign * ones, None, abs(slope) / self.curvature
        )
        self.intercept += t * sign
        self.eta = self.eta + (t * sign) * ones

    def snapshot(
        self, n_iter: int, converged: bool, history: dict[str, list[float]], solver: str = ""
    ) -> LSRFit:
        """The fit at the current point (``solver``: the description of what ran)."""
        return LSRFit(
            self.core,
            [list(t) for t in self.factors],
            self.intercept,
            n_iter,
            converged,
            history,
            self.eta,
            solver,
            self.covariate_coef,
        )


def linear_design(covariates: Any, fit_intercept: bool) -> Any:
    """The design of the linear part: ``[1, Z]`` ``(n, p + 1)``, or Z without an intercept."""
    if not fit_intercept:
        return covariates
    xp = array_namespace(covariates)
    ones = xp.ones((covariates.shape[0], 1), dtype=covariates.dtype, device=device(covariates))
    return xp.concat([ones, covariates], axis=1)


def data_scale(design: Design, objective: Objective) -> float:
    """The weighted mean squared entry of the samples X (one pass over X)."""
    sq_norms = design.squared_norms()
    weighted = objective.xp.sum(objective.sample_weights() * sq_norms)
    return float(weighted) / math.prod(design.sample_shape)


def backtrack(t: float, slope: float, rise: float) -> float:
    """The next trial step after ``t`` failed the Armijo test: the minimizer of the
    quadratic through the slope at 0 and the change ``rise`` at t, safeguarded to
    ``[t / 10, t / 2]`` (Nocedal and Wright, section 3.5).  A first step many orders
    of magnitude too long (gamma responses of size 1e12 with no intercept: curvature
    1e12 against the expected 1) shrinks tenfold per trial rather than twofold; an
    overflowing trial (``rise`` inf or NaN) shrinks tenfold."""
    excess = rise - slope * t  # > 0: the loss rose above its tangent line
    if not excess > 0 or excess == math.inf:
        return 0.1 * t
    return min(0.5 * t, max(0.1 * t, -slope * t * t / (2.0 * excess)))


def _model_step_ratio(predicted: float, curvature_term: float) -> float:
    """Scale of the step that minimizes ``f - t P + t^2 C`` (C measured), clipped to [1/4, 4]."""
    if curvature_term <= 0:
        return 4.0
    return min(4.0, max(0.25, predicted / (2.0 * curvature_term)))
