"""The GLM family protocol, and a base class that spells out the optional members.

Arrays are of one array-API namespace and stay on their device.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from lsr_arrayapi._namespace import array_namespace


@runtime_checkable
class Family(Protocol):
    """A GLM family with canonical link.

    ``loss`` is the mean negative log-likelihood (up to constants),
    ``grad`` the per-sample derivative ``d loss_i / d eta_i``, ``mean`` the
    inverse link, ``curvature_bound`` an upper bound on ``d^2 loss_i / d eta_i^2``
    (``None`` if unbounded).  ``validate(y)`` raises ``ValueError`` for
    responses outside the family's support.  An optional
    ``pointwise_loss(eta, y)`` enables ``sample_weight``.
    """

    name: ClassVar[str]
    curvature_bound: ClassVar[float | None]

    def validate(self, y: Any) -> None:
        """Raise ``ValueError`` if responses ``y`` ``(n,)`` are outside the support."""
        ...

    def mean(self, eta: Any) -> Any:
        """The inverse link: mean response for linear predictors ``eta`` ``(n,)``."""
        ...

    def loss(self, eta: Any, y: Any) -> Any:
        """Mean negative log-likelihood (up to constants), a 0-D array."""
        ...

    def log_likelihood(self, eta: Any, y: Any) -> float:
        """The log-likelihood of ``y`` ``(n,)`` at ``eta``, up to terms free of the model:
        ``-n loss`` (a family with a scale parameter profiles it out)."""
        return -int(y.shape[0]) * float(self.loss(eta, y))

    def grad(self, eta: Any, y: Any) -> Any:
        """Per-sample derivative ``d loss_i / d eta_i`` ``(n,)`` (mean(eta) - y for canonical links)."""
        ...


class FamilyBase:
    """A base class for families (optional: the protocol is all a plugin needs).

    It spells out every member the library reads, with its default:

    * ``curvature_bound`` (None: unbounded) -- the first step sizes and the
      L-BFGS metric; ``quadratic`` (False) -- True when one Newton step solves
      an ALS block, so the automatic schedule picks ALS; ``linear_in_y``
      (True) -- eta is on y's own scale (an identity link), so the up-front
      range checks bound y's squares and the coefficients' size by y's (False
      for links that take labels or y's logarithm);
    * ``validate(y)`` (finite values), ``loss`` (the mean of
      ``pointwise_loss``), ``grad`` (``mean(eta) - y``, canonical links);
    * ``log_likelihood(eta, y)`` (``-n loss``) and ``dispersion_parameters``
      (0) -- the information criteria of the estimators; ``saturated(eta, y)``
      (absent) -- per-sample booleans at the family's boundary, for the
      separation warning;
    * ``pointwise_loss(eta, y)`` -- enables ``sample_weight``;
      ``curvature(eta)`` -- Newton weights of the ALS solver;
    * ``sample(eta, rng, noise)`` -- responses for synthetic data
      (:func:`~lsr_arrayapi.data.datasets.make_lsr_problem`);
      ``prediction_error(eta, y)`` -- the paper's test error
      (:func:`~lsr_arrayapi.metrics.prediction_error`).

    The last four raise ``NotImplementedError`` until a subclass defines them.
    """

    name: ClassVar[str]
    curvature_bound: ClassVar[float | None] = None
    quadratic: ClassVar[bool] = False
    linear_in_y: ClassVar[bool] = True
    #: parameters of the family itself (a Gaussian's variance), counted by the criteria
    dispersion_parameters: ClassVar[int] = 0

    def validate(self, y: Any) -> None:
        """Raise ``ValueError`` for responses ``y`` ``(n,)`` outside the support (here: non-finite)."""
        xp = array_namespace(y)
        if not bool(xp.all(xp.isfinite(y))):
            raise ValueError(f"y contains NaN or infinite values ({self.name} family)")

    def mean(self, eta: Any) -> Any:
        """The inverse link ``(n,)``."""
        raise NotImplementedError

    def pointwise_loss(self, eta: Any, y: Any) -> Any:
        """Per-sample negative log-likelihood ``(n,)`` (enables ``sample_weight``)."""
        raise NotImplementedError

    def loss(self, eta: Any, y: Any) -> Any:
        """Mean negative log-likelihood, a 0-D array: the mean of ``pointwise_loss``."""
        xp = array_namespace(eta, y)
        return xp.mean(self.pointwise_loss(eta, y))

    def grad(self, eta: Any, y: Any) -> Any:
        """``d loss_i / d eta_i`` ``(n,)``: ``mean(eta) - y`` for a canonical link."""
        return self.mean(eta) - y

    def curvature(self, eta: Any) -> Any:
        """``d^2 loss_i / d eta_i^2`` ``(n,)`` (the variance function for canonical links)."""
        raise NotImplementedError

    def sample(self, eta: Any, rng: Any, noise: float) -> Any:
        """Responses drawn at linear predictors ``eta`` ``(n,)`` (host arrays) with the
        ``numpy.random.Generator`` ``rng``; ``noise`` is the Gaussian noise level
        (families without a scale parameter ignore it)."""
        raise NotImplementedError(f"family {self.name!r} has no sampler for synthetic data")

    def prediction_error(self, eta: Any, y: Any) -> float:
        """The normalized prediction error on test data ``(n,)`` (a Python float)."""
        raise NotImplementedError(f"no prediction error defined for family {self.name!r}")
