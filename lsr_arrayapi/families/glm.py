"""GLM families: one small class each (canonical links, and the gamma family's log link).

A family object has ``name``, ``validate(y)``, ``mean(eta)``, ``loss(eta, y)``
(mean negative log-likelihood, up to constants), ``grad(eta, y)``
(``d loss_i / d eta_i = mean - y``) and ``curvature_bound`` (a bound on
``b''``, or ``None`` when unbounded).  The built-ins also give
``pointwise_loss`` (needed for sample weights) and ``curvature(eta)``
(``d^2 loss_i / d eta_i^2``, the Newton weights of the ``"als"`` schedule) and
``quadratic`` (True when the loss is quadratic in eta, so that one Newton step
solves an ALS block exactly: the automatic schedule picks ALS only then), and
logistic and Poisson give ``saturated(eta, y)`` (the samples whose observed
response has fitted probability 1 to machine precision: the sign of
separation, :mod:`lsr_arrayapi.diagnostics.post_fit`).  All
forms are stable: no overflow for ``|eta|`` up to 700 in float64 and 80 in float32
(the Poisson and gamma means and the gamma ratio ``y / mu`` are inf, without a
warning, above ``log(max float) - 1``: :mod:`lsr_arrayapi._overflow`).
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._namespace import array_namespace, device
from lsr_arrayapi._overflow import exp_or_inf
from lsr_arrayapi.families.base import FamilyBase
from lsr_arrayapi.metrics import gamma_deviance


class Gaussian(FamilyBase):
    """Least squares: ``loss = (eta - y)^2 / 2``, identity link."""

    name = "gaussian"
    curvature_bound = 1.0
    quadratic = True
    dispersion_parameters = 1  # the noise variance

    def log_likelihood(self, eta: Any, y: Any) -> float:
        """With the variance profiled out: ``-n/2 (log(2 pi s^2) + 1)``, ``s^2 = mean (y - eta)^2``."""
        xp = array_namespace(eta, y)
        n = int(y.shape[0])
        variance = float(xp.mean((y - eta) ** 2))
        if not variance > 0:
            return math.inf  # an interpolating fit
        return -0.5 * n * (math.log(2 * math.pi * variance) + 1.0)

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        return 0.5 * (eta - y) ** 2

    def mean(self, eta: Any) -> Any:
        return eta

    def curvature(self, eta: Any) -> Any:
        return array_namespace(eta).ones_like(eta)

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """``y = eta + noise * N(0, 1)``."""
        return eta + noise * rng.standard_normal(eta.shape[0])

    def prediction_error(self, eta: Any, y: Any) -> float:
        """``||eta - y||^2 / ||y||^2``."""
        xp = array_namespace(eta, y)
        return float(xp.sum((eta - y) ** 2) / xp.sum(y**2))


class Logistic(FamilyBase):
    """Bernoulli with the logit link; y in {0, 1}."""

    name = "logistic"
    linear_in_y = False  # eta is the labels' log-odds
    curvature_bound = 0.25

    def validate(self, y: Any) -> None:
        super().validate(y)
        xp = array_namespace(y)
        if not bool(xp.all((y == 0) | (y == 1))):
            raise ValueError(
                "logistic family needs labels in {0, 1}; use LSRClassifier for other labels"
            )

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        xp = array_namespace(eta, y)
        return xp.logaddexp(xp.zeros_like(eta), eta) - y * eta

    def mean(self, eta: Any) -> Any:
        xp = array_namespace(eta)
        small = xp.exp(-xp.abs(eta))  # never overflows
        return xp.where(eta >= 0, 1.0 / (1.0 + small), small / (1.0 + small))

    def curvature(self, eta: Any) -> Any:
        mean = self.mean(eta)
        return mean * (1.0 - mean)

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """``y ~ Bernoulli(sigmoid(eta))``."""
        xp = array_namespace(eta)
        return xp.astype(rng.random(eta.shape[0]) < self.mean(eta), eta.dtype)

    def prediction_error(self, eta: Any, y: Any) -> float:
        """``mean |sigmoid(eta) - y|`` (probability MAE, y in {0, 1})."""
        xp = array_namespace(eta, y)
        return float(xp.mean(xp.abs(self.mean(eta) - y)))

    def saturated(self, eta: Any, y: Any) -> Any:
        """Samples whose label has fitted probability 1 to machine precision ``(n,)`` bool."""
        xp = array_namespace(eta, y)
        return (2.0 * y - 1.0) * eta > -math.log(float(xp.finfo(eta.dtype).eps))


class Poisson(FamilyBase):
    """Poisson with the log link; y counts in {0, 1, 2, ...}."""

    name = "poisson"
    linear_in_y = False  # eta is log mu: y's scale shifts it
    curvature_bound = None

    def validate(self, y: Any) -> None:
        super().validate(y)
        xp = array_namespace(y)
        if not bool(xp.all(y >= 0)):
            raise ValueError("poisson family needs non-negative counts; y has negative values")
        if not bool(xp.all(y == xp.round(y))):
            raise ValueError("poisson family needs integer counts; y has non-integer values")

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        return self.mean(eta) - y * eta

    def mean(self, eta: Any) -> Any:
        """``exp(eta)`` (:func:`exp_or_inf`)."""
        return exp_or_inf(eta)

    def curvature(self, eta: Any) -> Any:
        return self.mean(eta)

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """``y ~ Poisson(exp(eta))``."""
        xp = array_namespace(eta)
        return xp.astype(rng.poisson(self.mean(eta)), eta.dtype)

    def prediction_error(self, eta: Any, y: Any) -> float:
        """``||log(exp(eta) + 1) - log(y + 1)||^2 / ||log(y + 1)||^2``."""
        xp = array_namespace(eta, y)
        log_y = xp.log1p(y)
        return float(xp.sum((xp.log1p(xp.exp(eta)) - log_y) ** 2) / xp.sum(log_y**2))

    def saturated(self, eta: Any, y: Any) -> Any:
        """Zero counts whose fitted mean is below machine precision ``(n,)`` bool."""
        xp = array_namespace(eta, y)
        return (y == 0) & (eta < math.log(float(xp.finfo(eta.dtype).eps)))


class Gamma(FamilyBase):
    """Gamma with the log link; y > 0 (positive continuous outcomes).

    With ``mu = exp(eta)`` the loss is ``y / mu + log mu`` (the negative
    log-likelihood over the shape, up to terms free of mu: half the unit
    deviance ``2 (y / mu - log(y / mu) - 1)`` plus a term of y); the link
    is not canonical, so ``grad`` is ``1 - y / mu``, and ``curvature`` is the
    expected one, 1 (Fisher scoring: the ALS blocks and the Fisher
    information use it).  The shape is a dispersion parameter, profiled
    out of :meth:`log_likelihood` by its maximum-likelihood value.
    """

    name = "gamma"
    linear_in_y = False  # eta is log mu: y's scale shifts it
    curvature_bound = None  # the observed curvature y / mu is unbounded
    dispersion_parameters = 1  # the shape

    def validate(self, y: Any) -> None:
        super().validate(y)
        xp = array_namespace(y)
        if not bool(xp.all(y > 0)):
            raise ValueError("gamma family needs positive responses; y has values <= 0")

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        return self._ratio(eta, y) + eta

    def grad(self, eta: Any, y: Any) -> Any:
        return 1.0 - self._ratio(eta, y)

    def _ratio(self, eta: Any, y: Any) -> Any:
        """``y / mu`` as ``exp(log y - eta)``: ``exp(-eta)`` alone overflows for tiny y
        (and 0 for y = 0, outside the support, without a warning)."""
        xp = array_namespace(eta, y)
        positive = y > 0
        return xp.where(positive, exp_or_inf(xp.log(xp.where(positive, y, 1.0)) - eta), 0.0)

    def mean(self, eta: Any) -> Any:
        """``exp(eta)`` (:func:`exp_or_inf`)."""
        return exp_or_inf(eta)

    def curvature(self, eta: Any) -> Any:
        return array_namespace(eta).ones_like(eta)

    def log_likelihood(self, eta: Any, y: Any) -> float:
        """With the shape ``nu`` at its maximum-likelihood value for this fit:
        ``n (nu log nu - log Gamma(nu) - nu (1 + m))``, ``m = mean(y / mu - log(y / mu) - 1)``
        the mean half deviance, less the model-free ``sum log y``."""
        xp = array_namespace(eta, y)
        log_ratio = xp.log(y) - eta  # not log(y / mu): y / mu can underflow to 0
        half_deviance = float(xp.mean(exp_or_inf(log_ratio) - log_ratio - 1.0))
        if not half_deviance > 0:
            return math.inf  # an interpolating fit
        if half_deviance == math.inf:
            return -math.inf
        return int(y.shape[0]) * gamma_profile_log_likelihood(half_deviance)

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """``y ~ Gamma(shape 1 / noise^2, mean exp(eta))``: ``noise`` is the coefficient of
        variation (0: y is the mean itself)."""
        if noise == 0:
            return self.mean(eta)
        shape = 1.0 / noise**2
        return rng.gamma(shape, self.mean(eta) / shape)

    def prediction_error(self, eta: Any, y: Any) -> float:
        """The mean gamma deviance over the null model's (one minus D^2)."""
        xp = array_namespace(eta, y)
        return gamma_deviance(y, self.mean(eta)) / gamma_deviance(y, xp.mean(y) * xp.ones_like(y))


class Multinomial(FamilyBase):
    """C classes with the softmax link; y class codes in {0, ..., C - 1}.

    The linear predictor has ``m = C - 1`` entries per sample (``outputs(y)``),
    the log-odds of classes 1, ..., C - 1 against class 0 (whose predictor
    is 0): ``loss = logsumexp(0, eta) - eta_y``.  ``mean(eta)`` is the
    ``(n, C)`` class probabilities.  The softmax's curvature is a full
    ``m x m`` matrix per sample (``curvature_blocks``), bounded by 1/2; there is
    no diagonal ``curvature``, so the ALS schedule does not apply.
    """

    name = "multinomial"
    linear_in_y = False  # eta is the classes' log-odds
    curvature_bound = 0.5

    def outputs(self, y: Any) -> int:
        """Linear predictors per sample: the number of classes less one (codes are 0-based)."""
        return int(array_namespace(y).max(y))

    def validate(self, y: Any) -> None:
        super().validate(y)
        xp = array_namespace(y)
        if not bool(xp.all((y >= 0) & (y == xp.round(y)))):
            raise ValueError(
                "multinomial family needs class codes 0, 1, ..., C - 1; use LSRClassifier "
                "for other labels"
            )
        top = int(xp.max(y))
        if not top >= 2:
            raise ValueError("multinomial family needs at least three classes; use logistic")
        present = int(xp.unique_values(y).shape[0])
        if present != top + 1:
            raise ValueError(
                f"multinomial family needs every class code 0, 1, ..., {top} present "
                f"(max(y) = {top} sets C = {top + 1}), but y has {present} distinct codes; "
                "use LSRClassifier for other labels"
            )

    def _logits(self, eta: Any) -> Any:
        """``[0, eta]`` ``(n, C)``: class 0's predictor is 0."""
        xp = array_namespace(eta)
        zeros = xp.zeros((eta.shape[0], 1), dtype=eta.dtype, device=device(eta))
        return xp.concat([zeros, eta], axis=1)

    def _one_hot(self, y: Any, classes: int, like: Any) -> Any:
        xp = array_namespace(like)
        index = xp.arange(classes, dtype=like.dtype, device=device(like))
        return xp.astype(y[:, None] == index[None, :], like.dtype)

    def mean(self, eta: Any) -> Any:
        """Class probabilities ``(n, C)`` (the softmax of ``[0, eta]``, no overflow)."""
        xp = array_namespace(eta)
        logits = self._logits(eta)
        shifted = xp.exp(logits - xp.max(logits, axis=1, keepdims=True))
        return shifted / xp.sum(shifted, axis=1, keepdims=True)

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        xp = array_namespace(eta, y)
        logits = self._logits(eta)
        top = xp.max(logits, axis=1)
        logsumexp = top + xp.log(xp.sum(xp.exp(logits - top[:, None]), axis=1))
        picked = xp.sum(logits * self._one_hot(y, logits.shape[1], eta), axis=1)
        return logsumexp - picked

    def grad(self, eta: Any, y: Any) -> Any:
        """``d loss_i / d eta_i`` ``(n, C - 1)``: probabilities less the one-hot codes."""
        probabilities = self.mean(eta)
        return (probabilities - self._one_hot(y, probabilities.shape[1], eta))[:, 1:]

    def curvature_blocks(self, eta: Any) -> Any:
        """``d^2 loss_i / d eta_i^2`` ``(n, m, m)``: ``diag(p) - p p^T`` on classes 1, ..., C - 1
        (the Fisher information of the standard errors)."""
        xp = array_namespace(eta)
        p = self.mean(eta)[:, 1:]
        eye = xp.eye(p.shape[1], dtype=p.dtype, device=device(p))
        return p[:, :, None] * eye[None, :, :] - p[:, :, None] * p[:, None, :]

    def saturated(self, eta: Any, y: Any) -> Any:
        """Samples whose class has fitted probability 1 to machine precision ``(n,)`` bool
        (their loss, ``-log p_y``, is below the dtype's epsilon)."""
        xp = array_namespace(eta, y)
        return self.pointwise_loss(eta, y) < float(xp.finfo(eta.dtype).eps)

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """Class codes drawn from the softmax of ``[0, eta]`` (``eta`` ``(n, m)``, host arrays)."""
        xp = array_namespace(eta)
        cumulative = xp.cumulative_sum(self.mean(eta), axis=1)
        draws = xp.asarray(rng.random(eta.shape[0]), dtype=eta.dtype)
        below = xp.astype(cumulative[:, :-1] < draws[:, None], eta.dtype)
        return xp.sum(below, axis=1)

    def prediction_error(self, eta: Any, y: Any) -> float:
        """The misclassification rate."""
        xp = array_namespace(eta, y)
        predicted = xp.argmax(self._logits(eta), axis=1)
        return float(xp.mean(xp.astype(xp.astype(predicted, y.dtype) != y, eta.dtype)))


BUILTIN_FAMILIES = (Gaussian, Logistic, Poisson, Gamma, Multinomial)


def gamma_profile_log_likelihood(half_deviance: float) -> float:
    """The gamma log-likelihood per sample at the maximum-likelihood shape (less ``mean log y``).

    ``half_deviance`` m > 0 is the mean ``y / mu - log(y / mu) - 1``; the shape nu
    solves ``log nu - digamma(nu) = m``, and ``1 / (2 nu) < log nu - digamma(nu) < 1 / nu``
    brackets it in ``(1 / (2 m), 1 / m)`` for every m.  Above nu = 1e3 (m below
    about 5e-4) both that equation and ``nu log nu - log Gamma(nu)`` cancel to
    a few digits, so their asymptotic series are used there.
    """
    from scipy import optimize, special

    if half_deviance < 1e-100:  # nu = 1 / (2 m) to working precision
        return -0.5 * math.log(4 * math.pi * half_deviance) - 0.5

    def gap(nu: float) -> float:
        if nu >= _GAMMA_SERIES_FROM:
            inv = 1.0 / nu
            return inv / 2 + inv**2 / 12 - inv**4 / 120 + inv**6 / 252 - half_deviance
        return math.log(nu) - float(special.digamma(nu)) - half_deviance

    nu = optimize.brentq(gap, 0.49 / half_deviance, 1.01 / half_deviance, rtol=1e-14)
    if nu >= _GAMMA_SERIES_FROM:  # Stirling: nu log nu - log Gamma(nu) - nu
        inv = 1.0 / nu
        return 0.5 * math.log(nu / (2 * math.pi)) - inv / 12 + inv**3 / 360 - nu * half_deviance
    return nu * math.log(nu) - float(special.gammaln(nu)) - nu * (1.0 + half_deviance)


_GAMMA_SERIES_FROM = 1e3
