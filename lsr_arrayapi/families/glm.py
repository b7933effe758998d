"""GLM families with canonical links: one small class each.

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
forms are stable: no overflow for ``|eta|`` up to 700 in float64 and 80 in float32.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from lsr_arrayapi._namespace import array_namespace
from lsr_arrayapi.families.base import Family


class _Family(Family):
    name: ClassVar[str]
    curvature_bound: ClassVar[float | None]
    quadratic: ClassVar[bool] = False

    def validate(self, y: Any) -> None:
        xp = array_namespace(y)
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError(f"y contains NaN or infinite values ({self.name} family)")

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        """Per-sample negative log-likelihood ``(n,)`` (enables ``sample_weight``)."""
        raise NotImplementedError

    def loss(self, eta: Any, y: Any) -> Any:
        xp = array_namespace(eta, y)
        return xp.mean(self.pointwise_loss(eta, y))

    def mean(self, eta: Any) -> Any:
        raise NotImplementedError

    def grad(self, eta: Any, y: Any) -> Any:
        return self.mean(eta) - y

    def curvature(self, eta: Any) -> Any:
        """``d^2 loss_i / d eta_i^2`` ``(n,)`` (the variance function for canonical links)."""
        raise NotImplementedError


class Gaussian(_Family):
    """Least squares: ``loss = (eta - y)^2 / 2``, identity link."""

    name = "gaussian"
    curvature_bound = 1.0
    quadratic = True

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        return 0.5 * (eta - y) ** 2

    def mean(self, eta: Any) -> Any:
        return eta

    def curvature(self, eta: Any) -> Any:
        return array_namespace(eta).ones_like(eta)


class Logistic(_Family):
    """Bernoulli with the logit link; y in {0, 1}."""

    name = "logistic"
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

    def saturated(self, eta: Any, y: Any) -> Any:
        """Samples whose label has fitted probability 1 to machine precision ``(n,)`` bool."""
        xp = array_namespace(eta, y)
        return (2.0 * y - 1.0) * eta > -math.log(float(xp.finfo(eta.dtype).eps))


class Poisson(_Family):
    """Poisson with the log link; y counts in {0, 1, 2, ...}."""

    name = "poisson"
    curvature_bound = None

    def validate(self, y: Any) -> None:
        super().validate(y)
        xp = array_namespace(y)
        if not bool(xp.all(y >= 0)):
            raise ValueError("poisson family needs non-negative counts; y has negative values")
        if not bool(xp.all(y == xp.round(y))):
            raise ValueError("poisson family needs integer counts; y has non-integer values")

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        xp = array_namespace(eta, y)
        return xp.exp(eta) - y * eta

    def mean(self, eta: Any) -> Any:
        xp = array_namespace(eta)
        return xp.exp(eta)

    def curvature(self, eta: Any) -> Any:
        return self.mean(eta)

    def saturated(self, eta: Any, y: Any) -> Any:
        """Zero counts whose fitted mean is below machine precision ``(n,)`` bool."""
        xp = array_namespace(eta, y)
        return (y == 0) & (eta < math.log(float(xp.finfo(eta.dtype).eps)))


BUILTIN_FAMILIES = (Gaussian, Logistic, Poisson)
