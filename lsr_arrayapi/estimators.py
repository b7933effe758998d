"""scikit-learn faces of the solver: regressor, classifier, Poisson and gamma regressors, general GLM.

Everything follows X: y and sample weights of any array type are moved to X's
namespace and device, fitted arrays (``coef_``, ``core_``, ``factors_``) stay
there, and ``predict`` returns arrays of the same kind as its input.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from lsr_arrayapi._backends import RandomState, float_errors_ignored, to_host
from lsr_arrayapi._namespace import array_namespace, follow
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.data.labels import encode_labels, is_numeric_labels
from lsr_arrayapi.data.multi_output import MultiOutputDesign
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.inference.bootstrap import bootstrap_coefs, percentile_interval
from lsr_arrayapi.inference.fisher import fisher_stderr, wald_multiplier
from lsr_arrayapi.metrics import gamma_deviance, poisson_deviance
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.parameters import PARAMETER_CONSTRAINTS, check_parameters
from lsr_arrayapi.plugins.instances import make_family
from lsr_arrayapi.starts.lack_of_fit import model_dimension
from lsr_arrayapi.validation import (
    check_design,
    check_prediction_covariates,
    check_sample_weight,
    check_X,
    check_y,
    covariate_names,
)

#: The constructor parameters and fitted attributes every estimator shares (numpydoc).
_SHARED_PARAMETERS = """\
ranks : int or sequence of int, default=2
    Tucker ranks ``r_k <= d_k``, one per mode (an int: the same for every mode).
separation_rank : int, default=1
    Number of terms S >= 1 sharing the core (S = 1 is a Tucker model).
rule : str or None, default=None
    Factor update rule. None: the automatic schedule moves the factors
    (alternating least squares for Gaussian S = 1, Riemannian L-BFGS
    otherwise). A registered name (``"qr"``, ``"polar"``, ``"muon"``,
    ``"randomized_polar"``, plugins') runs that rule in the paper's
    Gauss-Seidel order.
rule_options : mapping or None, default=None
    Keyword options of the named rule (giving any selects Gauss-Seidel too).
alpha : float, default=0.0
    Ridge penalty ``alpha/2 ||B||_F^2``.
max_iter : int, default=200
    Maximum number of outer iterations of the fit proper.
tol : float, default=1e-6
    Stop when ``||B_t - B_{t-1}||_F <= tol * ||B_t||_F`` and the linear part of the
    predictor (intercept, covariates' term ``o``) settles too:
    ``||o_t - o_{t-1}||_2 <= tol * ||eta_t||_2``.
lr : float or None, default=None
    None: adaptive, safeguarded step sizes. A float: one fixed step for
    every block, the paper's setting without safeguard (selects Gauss-Seidel).
fit_intercept : bool, default=True
    Fit an intercept ``b_0`` (``fit_lsr``'s default is False, as the paper's model).
init : str or Start or mapping or LSRFit, default="lift"
    Start: a registered name (``"lift"``, the cold start; ``"spectral"``,
    ``"random"``; plugins'), a start object (``Lift(core_restarts=128)``), or a
    warm start with ``core`` and ``factors`` (a mapping or a previous fit).
n_init : int, default=2
    Starts screened by the cold start's Tucker stage (the spectral one, then random ones).
schedule : str or Solver, default="auto"
    The solver: ``"auto"``, a registered name (``"gauss_seidel"``, ``"jacobi"``,
    ``"als"``, ``"lbfgs"``, plugins') or a solver object with its own options
    (see :func:`~lsr_arrayapi.fit_lsr`). ``"auto"`` picks ALS or
    L-BFGS as for ``rule=None``, and Gauss-Seidel when ``rule``,
    ``rule_options`` or ``lr`` is given.
random_state : int or numpy.random.Generator or None, default=None
    Seed of every random draw (starts, sketches); the same seed gives the
    same fit on every backend.
verbose : int, default=0
    Print the loss and relative change after every outer iteration when > 0.

Attributes
----------
coef_ : array of shape (d_1, ..., d_K)
    The fitted coefficient tensor B.
core_ : array of shape (r_1, ..., r_K)
    The core G shared by all terms.
factors_ : list of S lists of K arrays of shape (d_k, r_k)
    The orthonormal factors ``factors_[s][k]`` of term s and mode k.
intercept_ : float
    The fitted intercept (0.0 when ``fit_intercept=False``).
covariate_coef_ : array of shape (p,), (p, C - 1) or None
    The covariates' coefficients gamma, a column per class log-odds for a
    multinomial fit (None when fitted without covariates).
covariate_names_in_ : tuple of str or None
    The column names of covariates given as a data frame with string names
    (prediction checks a data frame's columns against them), else None.
n_iter_ : int
    Outer iterations of the fit proper.
converged_ : bool
    Whether the stopping test of ``tol`` was met.
solver_ : str
    The solver that produced the fit, with its options (and the update
    rule where it used one), e.g. ``"LBFGS(memory=10, retraction='polar')"``.
n_params_ : int
    The model's dimension: the LSR manifold's (S orthonormal factor sets
    and the core, less the gauge the terms share) plus the intercept; with
    the family's own parameters it is the ``k`` of :meth:`aic` and :meth:`bic`.
history_ : dict of str to list of float
    Per-iteration ``"loss"`` (penalized objective) and cumulative ``"time"``
    in seconds (entry 0 is the start).
family_ : Family
    The GLM family object the model was fitted with.
sample_shape_ : tuple of int
    The sample shape ``d`` seen in ``fit``.
"""
_FAMILY_PARAMETER = """\
family : str or Family, default="gaussian"
    A registered family name (``"gaussian"``, ``"logistic"``,
    ``"poisson"``, plugins') or a family object.
"""


def _init_docstring(leading: str = "") -> str:
    """The ``__init__`` docstring: ``leading`` parameters, then the shared ones."""
    head = "Parameters are stored as given and checked in ``fit`` (scikit-learn's convention)."
    return f"{head}\n\nParameters\n----------\n{leading}{_SHARED_PARAMETERS}"


class _LSRBase(BaseEstimator):
    """Shared parameters, ``fit`` and prediction for every LSR estimator."""

    _family: str | Any = "gaussian"

    def __init__(
        self,
        ranks: int | Sequence[int] = 2,
        separation_rank: int = 1,
        *,
        rule: str | None = None,
        rule_options: Mapping[str, Any] | None = None,
        alpha: float = 0.0,
        max_iter: int = 200,
        tol: float = 1e-6,
        lr: float | None = None,
        fit_intercept: bool = True,
        init: Any = "lift",
        n_init: int = 2,
        schedule: str | Any = "auto",
        random_state: RandomState = None,
        verbose: int = 0,
    ) -> None:
        self.ranks = ranks
        self.separation_rank = separation_rank
        self.rule = rule
        self.rule_options = rule_options
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.lr = lr
        self.fit_intercept = fit_intercept
        self.init = init
        self.n_init = n_init
        self.schedule = schedule
        self.random_state = random_state
        self.verbose = verbose

    __init__.__doc__ = _init_docstring()

    def _family_spec(self) -> str | Any:
        return self._family

    def _encode_target(self, y: Any, X: Any, xp: Any) -> Any:
        return y

    def fit(self, X: Any, y: Any, sample_weight: Any = None, covariates: Any = None) -> _LSRBase:
        """Fit the model; fitted arrays live in X's namespace and on its device.

        Parameters
        ----------
        X : array of shape (n, d_1, ..., d_K), dask array or Design
            Samples, K >= 2: any array-API array, a Dask array chunked along
            the samples, or a :class:`~lsr_arrayapi.data.design.Design`.
        y : array-like of shape (n,)
            Responses (class labels for the classifier); moved to X's namespace.
        sample_weight : array-like of shape (n,) or None, default=None
            Non-negative weights of the samples' losses (None: equal weights).
        covariates : array-like of shape (n, p) or None, default=None
            Vector covariates Z beside the tensor (age, sex, site), unpenalized:
            ``eta_i = <X_i, B> + Z_i gamma + b_0``; pass the same columns to
            ``predict`` and ``score``.  With scikit-learn's metadata routing
            (``set_fit_request(covariates=True)``) cross-validation splits them
            with the samples.

        Returns
        -------
        self
            The fitted estimator.
        """
        params = self.get_params(deep=False)  # a subclass's own parameters are its business
        check_parameters(
            type(self).__name__, **{k: v for k, v in params.items() if k in PARAMETER_CONSTRAINTS}
        )
        xp, design, like = check_design(X)
        y = self._encode_target(y, like, xp)
        result = fit_lsr(
            design,
            y,
            ranks=self.ranks,
            separation_rank=self.separation_rank,
            family=self._family_spec(),
            rule=self.rule,
            rule_options=self.rule_options,
            max_iter=self.max_iter,
            tol=self.tol,
            lr=self.lr,
            alpha=self.alpha,
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
            covariates=covariates,
            init=self.init,
            n_init=self.n_init,
            schedule=self.schedule,
            random_state=self.random_state,
            verbose=self.verbose,
        )
        self.family_ = make_family(self._family_spec())
        self.core_ = result.core
        self.factors_ = result.factors
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.covariate_coef_ = result.covariate_coef
        self.covariate_names_in_ = covariate_names(covariates)
        self.n_iter_ = result.n_iter
        self.converged_ = result.converged
        self.solver_ = result.solver
        ranks, S = tuple(int(r) for r in result.core.shape), len(result.factors)
        shape = tuple(int(f.shape[0]) for f in result.factors[0])  # (m, d) for m predictors
        p = 0 if result.covariate_coef is None else math.prod(result.covariate_coef.shape)
        intercepts = int(self.fit_intercept) * (
            ranks[0] if len(shape) > len(design.sample_shape) else 1
        )
        self.n_params_ = model_dimension(shape, ranks, S) + intercepts + p
        self.history_ = result.history
        self.sample_shape_ = design.sample_shape
        return self

    def decision_function(self, X: Any, covariates: Any = None) -> Any:
        """The linear predictor ``<X_i, B> + Z_i gamma + b_0``, shape (n,), in X's namespace
        (``covariates`` Z ``(n, p)``: the columns the model was fitted with, or None)."""
        return self._eta(X, covariates)

    def _eta(self, X: Any, covariates: Any = None) -> Any:
        """The family's linear predictor: ``(n,)``, or ``(n, m)`` for m stacked tensors."""
        check_is_fitted(self, "coef_")
        xp, X = check_X(X, for_fit=False)
        if tuple(X.shape[1:]) != self.sample_shape_:
            raise ValueError(
                f"X has sample shape {tuple(X.shape[1:])}, but the model was fitted on {self.sample_shape_}"
            )
        coef = follow(self.coef_, X, xp=xp, dtype=X.dtype)
        if coef.ndim == X.ndim - 1:
            eta = xp.tensordot(X, coef, axes=coef.ndim) + self.intercept_
        else:  # (m, d): one predictor per stacked tensor
            modes = list(range(1, X.ndim))
            eta = xp.tensordot(X, coef, axes=(modes, [k + 1 for k in range(len(modes))]))
            eta = eta + follow(self.intercept_, X, xp=xp, dtype=X.dtype)
        Z = check_prediction_covariates(
            covariates, self.covariate_coef_, X, xp=xp, names=self.covariate_names_in_
        )
        if Z is None:
            return eta
        return eta + xp.matmul(Z, follow(self.covariate_coef_, X, xp=xp, dtype=X.dtype))

    def _predict_mean(self, X: Any, covariates: Any = None) -> Any:
        eta = self._eta(X, covariates)  # checks the fit first
        return self.family_.mean(eta)

    def _responses(self, y: Any, eta: Any, xp: Any) -> Any:
        """``y`` as the family's responses, checked (the classifier encodes its labels)."""
        y = check_y(y, eta, xp=xp)
        self.family_.validate(y)
        return y

    def log_likelihood(self, X: Any, y: Any, covariates: Any = None) -> float:
        """Log-likelihood of ``(X, y)`` under the fitted model, up to terms free of the model
        (a Gaussian's variance profiled out); ``-n`` times the family's mean loss for a
        family without ``log_likelihood``."""
        return self._log_likelihood(X, y, covariates)[0]

    def _log_likelihood(self, X: Any, y: Any, covariates: Any) -> tuple[float, int]:
        """The log-likelihood and the number of samples n (warns when it is infinite)."""
        eta = self._eta(X, covariates)
        y = self._responses(y, eta, array_namespace(eta))
        n = int(y.shape[0])
        with float_errors_ignored():  # predictions far off the data: -inf, not a NumPy warning
            if callable(getattr(self.family_, "log_likelihood", None)):
                value = float(self.family_.log_likelihood(eta, y))
            else:
                value = -n * float(self.family_.loss(eta, y))
        if value == math.inf:
            warnings.warn(
                "the model fits these data exactly (zero residual dispersion), so the "
                "log-likelihood is infinite and information criteria cannot rank models "
                "on them",
                UserWarning,
                stacklevel=3,
            )
        return value, n

    def _criterion_parameters(self) -> int:
        check_is_fitted(self, "n_params_")
        return self.n_params_ + int(getattr(self.family_, "dispersion_parameters", 0))

    def aic(self, X: Any, y: Any, covariates: Any = None) -> float:
        """Akaike's criterion ``-2 log L + 2 k`` on ``(X, y)`` (lower is better); ``k`` is
        ``n_params_`` plus the family's own parameters (a Gaussian's variance).  Every
        sample counts once: for a fit with sample weights, pass the samples of positive
        weight (the criteria take no weights)."""
        return -2.0 * self.log_likelihood(X, y, covariates) + 2.0 * self._criterion_parameters()

    def bic(self, X: Any, y: Any, covariates: Any = None) -> float:
        """The Bayesian criterion ``-2 log L + k log n`` on ``(X, y)`` (lower is better);
        ``k`` as in :meth:`aic`."""
        log_likelihood, n = self._log_likelihood(X, y, covariates)
        return -2.0 * log_likelihood + math.log(n) * self._criterion_parameters()

    def coef_stderr(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        covariates: Any = None,
        *,
        method: str = "fisher",
        n_boot: int = 200,
        n_jobs: int | None = None,
        random_state: RandomState = None,
    ) -> Any:
        """Standard errors of ``coef_``'s entries, shape (d_1, ..., d_K), in its namespace.

        Parameters
        ----------
        X : array of shape (n, d_1, ..., d_K)
            The samples the model was fitted on (estimators keep no training data).
        y : array-like of shape (n,)
            Their responses.
        sample_weight : array-like of shape (n,) or None, default=None
            The fit's sample weights.
        covariates : array-like of shape (n, p) or None, default=None
            The fit's covariates.
        method : {"fisher", "bootstrap"}, default="fisher"
            ``"fisher"``: the observed information on the model's own
            coordinates mapped to B by the delta method
            (:mod:`lsr_arrayapi.inference.fisher`; a tenth of a fit's time or
            less); ``"bootstrap"``: the standard deviation over ``n_boot``
            warm-started refits on resampled samples
            (:mod:`lsr_arrayapi.inference.bootstrap`).
        n_boot : int, default=200
            Bootstrap replicates.
        n_jobs : int or None, default=None
            Threads running the bootstrap replicates (joblib's convention).
        random_state : int or numpy.random.Generator or None, default=None
            Seed of the resampling.

        Returns
        -------
        stderr : array of shape (d_1, ..., d_K)
            ``inf`` where the data do not determine an entry.
        """
        if _check_inference(method, 0.05, n_boot) == "bootstrap":
            coefs = self._bootstrap(X, y, sample_weight, covariates, n_boot, n_jobs, random_state)
            return self._near_coef(array_namespace(coefs).std(coefs, axis=0, correction=1))
        return self._fisher(X, y, sample_weight, covariates)[0]

    def coef_interval(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        covariates: Any = None,
        *,
        alpha: float = 0.05,
        method: str = "fisher",
        n_boot: int = 200,
        n_jobs: int | None = None,
        random_state: RandomState = None,
    ) -> tuple[Any, Any]:
        """Entrywise ``1 - alpha`` intervals of ``coef_``: ``(lower, upper)``, each shaped like it.

        ``"fisher"``: Wald intervals ``coef_ +- q se`` with ``q`` the normal
        quantile (Student's t with ``n - n_params_`` degrees of freedom for a
        Gaussian, whose variance is estimated); ``"bootstrap"``: the
        replicates' percentiles.  The documentation's page on intervals
        reports their coverage.

        Parameters
        ----------
        X : array of shape (n, d_1, ..., d_K)
            The samples the model was fitted on.
        y : array-like of shape (n,)
            Their responses.
        sample_weight : array-like of shape (n,) or None, default=None
            The fit's sample weights.
        covariates : array-like of shape (n, p) or None, default=None
            The fit's covariates.
        alpha : float, default=0.05
            One minus the confidence level (not the ridge penalty).
        method : {"fisher", "bootstrap"}, default="fisher"
            As in :meth:`coef_stderr`.
        n_boot : int, default=200
            Bootstrap replicates.
        n_jobs : int or None, default=None
            Threads running the bootstrap replicates.
        random_state : int or numpy.random.Generator or None, default=None
            Seed of the resampling.

        Returns
        -------
        lower, upper : arrays of shape (d_1, ..., d_K)
            The interval's ends, in ``coef_``'s namespace and device.
        """
        if _check_inference(method, alpha, n_boot) == "bootstrap":
            coefs = self._bootstrap(X, y, sample_weight, covariates, n_boot, n_jobs, random_state)
            lower, upper = percentile_interval(coefs, alpha)
            return self._near_coef(lower), self._near_coef(upper)
        stderr, dof = self._fisher(X, y, sample_weight, covariates)
        estimated = bool(getattr(self.family_, "dispersion_parameters", 0))
        half = wald_multiplier(alpha, dof if estimated else None) * stderr
        return self.coef_ - half, self.coef_ + half

    def _fisher(self, X: Any, y: Any, sample_weight: Any, covariates: Any) -> tuple[Any, int]:
        data = self._inference_data(X, y, sample_weight, covariates)
        near_x = data.near_x
        stderr, dof = fisher_stderr(
            data.design,
            data.y,
            core=near_x(self.core_),
            factors=[[near_x(W) for W in term] for term in self.factors_],
            intercept=data.intercept,
            family=self.family_,
            fit_intercept=self.fit_intercept,
            alpha=self.alpha,
            weights=data.weights,
            covariates=data.covariates,
            covariate_coef=data.covariate_coef,
            eta=data.eta,
        )
        return self._near_coef(stderr), dof

    def _inference_data(
        self, X: Any, y: Any, sample_weight: Any, covariates: Any
    ) -> SimpleNamespace:
        """The fit's data for its intervals, checked against the model: ``design`` (m
        stacked tensors for the multinomial), ``X`` (the array, or
        None for a Dask X or a Design), ``near_x`` (a fitted array in X's namespace),
        ``intercept``, ``eta`` (n,) or (n, m), ``y``, ``weights`` (normalized, or None),
        ``covariates`` Z (n, p) and ``covariate_coef`` (p,) or (p, m) (None without
        covariates)."""
        check_is_fitted(self, "coef_")
        xp, design, like = check_design(X)
        if design.sample_shape != self.sample_shape_:
            raise ValueError(
                f"X has sample shape {design.sample_shape}, but the model was fitted on {self.sample_shape_}"
            )
        array = like if isinstance(design, InMemoryDesign) else None
        if self.coef_.ndim != len(self.sample_shape_):  # m stacked tensors (multinomial)
            design = MultiOutputDesign(design, int(self.coef_.shape[0]))

        def near_x(value: Any) -> Any:  # the fitted arrays in X's namespace and device
            return follow(value, like, xp=xp, dtype=like.dtype)

        intercept = self.intercept_
        if getattr(intercept, "ndim", 0) >= 1:
            intercept = near_x(intercept)
        eta = design.forward(near_x(self.coef_)) + intercept
        Z = check_prediction_covariates(
            covariates, self.covariate_coef_, like, xp=xp, names=self.covariate_names_in_
        )
        gamma = None if Z is None else near_x(self.covariate_coef_)
        if Z is not None:
            eta = eta + xp.matmul(Z, gamma)
        return SimpleNamespace(
            design=design,
            X=array,
            near_x=near_x,
            intercept=intercept,
            eta=eta,
            y=self._responses(y, eta, xp),
            weights=check_sample_weight(sample_weight, eta, xp=xp),
            covariates=Z,
            covariate_coef=gamma,
        )

    def _near_coef(self, value: Any) -> Any:
        """``value`` in ``coef_``'s namespace and device (X may live elsewhere)."""
        return follow(value, self.coef_, xp=array_namespace(self.coef_))

    def _bootstrap(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        covariates: Any,
        n_boot: int,
        n_jobs: Any,
        random_state: Any,
    ) -> Any:
        # the same checks as the Fisher errors (one pass over X): a mismatch is named here,
        # not found by every refit
        data = self._inference_data(X, y, sample_weight, covariates)
        return bootstrap_coefs(
            self,
            X if data.X is None else data.X,
            y,
            sample_weight=sample_weight,
            covariates=covariates,
            n_boot=n_boot,
            n_jobs=n_jobs,
            random_state=random_state,
        )

    def _score_inputs(
        self, X: Any, y: Any, sample_weight: Any, covariates: Any = None
    ) -> tuple[Any, Any, Any, Any]:
        """``(xp, eta, y, weight)`` for a score: y checked (1-D, length n, finite, in the
        family's support), weight normalized to sum 1 (None without sample_weight)."""
        eta = self._eta(X, covariates)
        xp = array_namespace(eta)
        y = self._responses(y, eta, xp)
        return xp, eta, y, check_sample_weight(sample_weight, eta, xp=xp)


class LSRTensorGLM(_LSRBase):
    """A low-separation-rank tensor GLM with any registered family.

    ``predict`` returns the fitted mean and ``score`` the mean log-likelihood;
    the other estimators are this model with a fixed family and
    scikit-learn's scores.
    """

    def __init__(
        self,
        family: str | Any = "gaussian",
        ranks: int | Sequence[int] = 2,
        separation_rank: int = 1,
        *,
        rule: str | None = None,
        rule_options: Mapping[str, Any] | None = None,
        alpha: float = 0.0,
        max_iter: int = 200,
        tol: float = 1e-6,
        lr: float | None = None,
        fit_intercept: bool = True,
        init: Any = "lift",
        n_init: int = 2,
        schedule: str | Any = "auto",
        random_state: RandomState = None,
        verbose: int = 0,
    ) -> None:
        self.family = family
        super().__init__(
            ranks,
            separation_rank,
            rule=rule,
            rule_options=rule_options,
            alpha=alpha,
            max_iter=max_iter,
            tol=tol,
            lr=lr,
            fit_intercept=fit_intercept,
            init=init,
            n_init=n_init,
            schedule=schedule,
            random_state=random_state,
            verbose=verbose,
        )

    __init__.__doc__ = _init_docstring(_FAMILY_PARAMETER)

    def _family_spec(self) -> str | Any:
        return self.family

    def predict(self, X: Any, covariates: Any = None) -> Any:
        """The fitted mean ``mu(<X_i, B> + b_0)``, shape (n,)."""
        return self._predict_mean(X, covariates)

    def score(self, X: Any, y: Any, sample_weight: Any = None, covariates: Any = None) -> float:
        """Mean log-likelihood per sample (up to the family's constants), higher is better.

        Weighted by ``sample_weight`` when given (the family needs ``pointwise_loss``).
        """
        _, eta, y, weight = self._score_inputs(X, y, sample_weight, covariates)
        with float_errors_ignored():  # a loss that overflows is -inf, without a NumPy warning
            return -float(Objective(self.family_, y, weight, 0.0).data_loss(eta))


class LSRRegressor(RegressorMixin, _LSRBase):
    """Least-squares tensor regression with an LSR coefficient (Gaussian family).

    ``predict`` returns ``<X_i, B> + b_0``; ``score`` is R^2.
    """

    _family = "gaussian"

    def predict(self, X: Any, covariates: Any = None) -> Any:
        """Predicted responses, shape (n,), in X's namespace."""
        return self.decision_function(X, covariates)

    def score(self, X: Any, y: Any, sample_weight: Any = None, covariates: Any = None) -> float:
        """Coefficient of determination R^2 (1 for a perfect fit of constant y, else 0 there)."""
        xp, pred, y, weight = self._score_inputs(X, y, sample_weight, covariates)
        weight = _uniform(y, xp) if weight is None else weight
        mean = xp.sum(weight * y)
        with float_errors_ignored():  # squares that overflow: R^2 is -inf, without a warning
            residual = float(xp.sum(weight * (y - pred) ** 2))
        return _explained(residual, float(xp.sum(weight * (y - mean) ** 2)))


class _DevianceRegressor(RegressorMixin, _LSRBase):
    """A log-link regressor: ``predict`` is the mean, ``score`` the deviance explained."""

    _deviance: Any = None  # mean deviance (y, mu, weight) -> float

    def predict(self, X: Any, covariates: Any = None) -> Any:
        """Predicted means ``exp(eta)``, shape (n,)."""
        return self._predict_mean(X, covariates)

    def score(self, X: Any, y: Any, sample_weight: Any = None, covariates: Any = None) -> float:
        """Fraction of deviance explained, D^2 (as scikit-learn's ``PoissonRegressor`` and
        ``GammaRegressor``): 1 for a perfect fit, 0 for the mean of y (and 0 where y has
        no spread unless the fit is perfect)."""
        xp, eta, y, weight = self._score_inputs(X, y, sample_weight, covariates)
        mu = self.family_.mean(eta)
        weight = _uniform(y, xp) if weight is None else weight
        null = xp.sum(weight * y) * xp.ones_like(y)
        deviance = type(self)._deviance
        return _explained(deviance(y, mu, weight), deviance(y, null, weight))


class LSRPoissonRegressor(_DevianceRegressor):
    """Poisson tensor regression (log link) with an LSR coefficient.

    ``predict`` returns the mean ``exp(<X_i, B> + b_0)``; ``score`` is the
    fraction of Poisson deviance explained, D^2.
    """

    _family = "poisson"
    _deviance = poisson_deviance


class LSRGammaRegressor(_DevianceRegressor):
    """Gamma tensor regression (log link) for positive continuous outcomes.

    ``predict`` returns the mean ``exp(<X_i, B> + b_0)``; ``score`` is the
    fraction of gamma deviance explained, D^2 (as scikit-learn's
    ``GammaRegressor``), with the deviance ``2 mean(y / mu - log(y / mu) - 1)``.
    y must be positive.
    """

    _family = "gamma"
    _deviance = gamma_deviance


class LSRClassifier(ClassifierMixin, _LSRBase):
    """Tensor logistic regression with LSR coefficients: binary, or multinomial for C >= 3.

    Any labels work (numbers, booleans, strings); ``classes_`` holds them
    sorted.  A float y with non-integer values, more than half of them
    distinct, is a continuous target and an error.  Two classes: logistic, ``coef_`` of shape d and
    ``predict_proba[:, 1]`` the probability of ``classes_[1]``.  C >= 3
    classes: the multinomial (softmax) family with ``classes_[0]`` as the
    reference; ``coef_`` ``(C - 1, d_1, ..., d_K)`` holds the log-odds
    tensors of the other classes, which share the factor matrices (an LSR
    tensor of order K + 1 whose class mode has full rank), and
    ``intercept_`` ``(C - 1,)``.
    """

    _family = "logistic"

    def _family_spec(self) -> str | Any:
        """Logistic for two classes, multinomial (softmax) for more."""
        return "logistic" if int(self.classes_.shape[0]) == 2 else "multinomial"

    def _encode_target(self, y: Any, X: Any, xp: Any) -> Any:
        self.classes_, codes = encode_labels(y, X, xp=xp)
        return codes

    def _responses(self, y: Any, eta: Any, xp: Any) -> Any:
        _, codes = encode_labels(y, eta, xp=xp, classes=self.classes_)
        return codes

    def decision_function(self, X: Any, covariates: Any = None) -> Any:
        """Two classes: the log-odds of ``classes_[1]``, shape (n,).  C >= 3 classes: the
        log-odds of every class against ``classes_[0]``, shape (n, C) (column 0 is 0)."""
        eta = self._eta(X, covariates)
        if eta.ndim == 1:
            return eta
        xp = array_namespace(eta)
        return xp.concat([xp.zeros_like(eta[:, :1]), eta], axis=1)

    def predict_proba(self, X: Any, covariates: Any = None) -> Any:
        """Class probabilities, shape (n, C), columns in the order of ``classes_``."""
        p = self._predict_mean(X, covariates)
        if p.ndim == 2:  # the multinomial family's mean is the probabilities already
            return p
        xp = array_namespace(p)
        return xp.stack([1.0 - p, p], axis=1)

    def _class_index(self, X: Any, covariates: Any) -> Any:
        """The predicted class codes ``(n,)`` (int64)."""
        scores = self.decision_function(X, covariates)
        xp = array_namespace(scores)
        if scores.ndim == 2:
            return xp.astype(xp.argmax(scores, axis=1), xp.int64)
        return xp.astype(scores > 0, xp.int64)

    def predict(self, X: Any, covariates: Any = None) -> Any:
        """Predicted labels (the class of highest probability), in X's namespace for
        numeric and boolean classes, NumPy for other labels."""
        index = self._class_index(X, covariates)
        xp = array_namespace(index)
        if is_numeric_labels(self.classes_):
            return xp.take(follow(self.classes_, index, xp=xp), index)
        return self.classes_[to_host(index)]

    def score(self, X: Any, y: Any, sample_weight: Any = None, covariates: Any = None) -> float:
        """Mean accuracy (weighted when ``sample_weight`` is given); a label not seen in
        ``fit`` is a miss, as in ``sklearn.metrics.accuracy_score``."""
        index = self._class_index(X, covariates)
        eta = self._eta(X, covariates)
        xp = array_namespace(eta)
        _, codes = encode_labels(y, eta, xp=xp, classes=self.classes_, unseen="miss")
        hits = xp.astype(xp.astype(index, codes.dtype) == codes, eta.dtype)
        weight = check_sample_weight(sample_weight, eta, xp=xp)
        weight = _uniform(hits, xp) if weight is None else weight
        # a ratio of two sums in the same order: at most 1 in any precision
        return float(xp.sum(weight * hits)) / float(xp.sum(weight))


def _uniform(y: Any, xp: Any) -> Any:
    return xp.ones_like(y) / y.shape[0]


def _explained(residual: float, total: float) -> float:
    """``1 - residual / total``; where y has no spread (total 0), 1 for a perfect fit and
    0 otherwise (scikit-learn's ``force_finite`` convention)."""
    if total > 0:
        return 1.0 - residual / total
    return 1.0 if residual == 0 else 0.0


INFERENCE_METHODS = ("fisher", "bootstrap")


def _check_inference(method: str, alpha: float, n_boot: int) -> str:
    """``method``, after checking it and the interval's ``alpha`` and ``n_boot``."""
    if method not in INFERENCE_METHODS:
        raise ValueError(f"method must be one of {INFERENCE_METHODS}, got {method!r}")
    if not (isinstance(alpha, numbers.Real) and not isinstance(alpha, bool) and 0 < alpha < 1):
        raise ValueError(
            f"alpha (one minus the confidence level) must be a number in (0, 1), got {alpha!r}"
        )
    if method == "bootstrap" and not (
        isinstance(n_boot, numbers.Integral) and not isinstance(n_boot, bool) and n_boot >= 2
    ):
        raise ValueError(f"n_boot must be an int >= 2, got {n_boot!r}")
    return method
