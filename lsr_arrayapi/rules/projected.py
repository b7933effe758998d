"""Projected gradient rules: a gradient step, then a retraction to orthonormal columns."""

from __future__ import annotations

from typing import Any, ClassVar

from lsr_arrayapi.linalg.orthogonalize import project_tangent
from lsr_arrayapi.linalg.retractions import PolarRetraction, QRRetraction
from lsr_arrayapi.rules.base import UpdateRule, check_flags


class QRRule(UpdateRule):
    """LSRTR: ``W <- qf(W - lr * xi)``, thin QR with ``diag(R) >= 0``.

    ``xi`` is the gradient projected onto the Stiefel tangent space at W
    (``tangent=True``, the default): with the raw Euclidean gradient the
    QR-retracted step can increase the loss, and the fit stalls at
    non-stationary points.  ``sign_fix=False, tangent=False`` is the LSRTR-M
    paper's baseline exactly (LAPACK's column signs flip factor columns) --
    only for reproducing its figures.
    """

    name: ClassVar[str] = "qr"
    orthonormal: ClassVar[bool] = True

    def __init__(self, *, sign_fix: bool = True, tangent: bool = True) -> None:
        check_flags(sign_fix=sign_fix, tangent=tangent)
        self.sign_fix = bool(sign_fix)
        self.tangent = bool(tangent)
        self.retraction = QRRetraction(sign_fix=self.sign_fix)

    def init_state(self, W: Any) -> None:
        return None

    def step(self, W: Any, grad: Any, state: None, lr: float) -> tuple[Any, None]:
        direction = project_tangent(W, grad) if self.tangent else grad
        return self.retraction.retract(W, -lr * direction), state


class PolarRule(UpdateRule):
    """``W <- polar(W - lr * grad)``: retraction by the nearest orthonormal matrix."""

    name: ClassVar[str] = "polar"
    orthonormal: ClassVar[bool] = True
    retraction: ClassVar[PolarRetraction] = PolarRetraction()

    def init_state(self, W: Any) -> None:
        return None

    def step(self, W: Any, grad: Any, state: None, lr: float) -> tuple[Any, None]:
        return self.retraction.retract(W, -lr * grad), state
