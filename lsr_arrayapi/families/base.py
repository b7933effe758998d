"""The GLM family protocol.

Arrays are of one array-API namespace and stay on their device.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable


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

    def grad(self, eta: Any, y: Any) -> Any:
        """Per-sample derivative ``d loss_i / d eta_i`` ``(n,)`` (mean(eta) - y for canonical links)."""
        ...
