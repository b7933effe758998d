"""Retractions: back to orthonormal columns after a step in the ambient space.

A retraction maps a factor ``W`` (``d x r``, ``W^T W = I``) and a step ``xi``
of the same shape to a matrix with orthonormal columns that agrees with
``W + xi`` to first order for steps tangent to the Stiefel manifold at W.
The update rules and the L-BFGS solver take one by name from the registry
(hook ``lsr_arrayapi_retractions``), so a plugin's retraction reaches every
built-in solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from lsr_arrayapi.linalg.orthogonalize import polar_svd, qr_orthonormal


@runtime_checkable
class Retraction(Protocol):
    """``retract(W, step)``: orthonormal columns near ``W + step``, shape ``(d_k, r_k)``."""

    name: ClassVar[str]

    def retract(self, W: Any, step: Any) -> Any:
        """The retracted point for factor ``W`` and step ``step`` (both ``(d_k, r_k)``)."""
        ...


@dataclass(frozen=True)
class QRRetraction:
    """``qf(W + step)``, thin QR with ``diag(R) >= 0`` (``sign_fix=False``: LAPACK's signs)."""

    name: ClassVar[str] = "qr"
    sign_fix: bool = True

    def retract(self, W: Any, step: Any) -> Any:
        """``qf(W + step)``, shape ``(d_k, r_k)``."""
        return qr_orthonormal(W + step, sign_fix=self.sign_fix)


@dataclass(frozen=True)
class PolarRetraction:
    """``polar(W + step) = U V^T``: the nearest matrix with orthonormal columns."""

    name: ClassVar[str] = "polar"

    def retract(self, W: Any, step: Any) -> Any:
        """``polar(W + step)``, shape ``(d_k, r_k)``."""
        return polar_svd(W + step)


BUILTIN_RETRACTIONS = (QRRetraction, PolarRetraction)
