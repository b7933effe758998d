"""Projected gradient rules: a gradient step, then a retraction to orthonormal columns."""

from __future__ import annotations

from typing import Any, ClassVar

from lsr_arrayapi.orthogonalize import polar_svd, qr_orthonormal


class QRRule:
    """LSRTR: ``W <- qf(W - lr * grad)``, thin QR with ``diag(R) >= 0``.

    ``sign_fix=False`` keeps LAPACK's signs, which flip factor columns and make
    the fit stall -- only for reproducing the LSRTR-M paper's baseline.
    """

    name: ClassVar[str] = "qr"
    orthonormal: ClassVar[bool] = True

    def __init__(self, *, sign_fix: bool = True) -> None:
        self.sign_fix = bool(sign_fix)

    def init_state(self, W: Any) -> None:
        return None

    def step(self, W: Any, grad: Any, state: None, lr: float) -> tuple[Any, None]:
        return qr_orthonormal(W - lr * grad, sign_fix=self.sign_fix), state


class PolarRule:
    """``W <- polar(W - lr * grad)``: retraction by the nearest orthonormal matrix."""

    name: ClassVar[str] = "polar"
    orthonormal: ClassVar[bool] = True

    def init_state(self, W: Any) -> None:
        return None

    def step(self, W: Any, grad: Any, state: None, lr: float) -> tuple[Any, None]:
        return polar_svd(W - lr * grad), state
