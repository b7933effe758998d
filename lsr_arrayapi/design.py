"""Data access: the only two ways the solver touches the samples X.

Per block update the solver needs ``eta = X_flat @ vec(B)`` (one streaming pass)
and ``R = r @ X_flat`` (one more).  Everything else is independent of n.  Any
object with this interface can stand in for X (an out-of-core or distributed
store, say); :class:`InMemoryDesign` serves arrays of any array-API namespace.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

from lsr_arrayapi._namespace import array_namespace, device


@runtime_checkable
class Design(Protocol):
    """What the solver needs to know about X (shape ``(n, d_1, ..., d_K)``)."""

    n_samples: int
    sample_shape: tuple[int, ...]
    dtype: Any
    device: Any

    def forward(self, coef: Any) -> Any:
        """``<X_i, coef>`` for every sample: coef of shape ``d`` -> ``(n,)``."""
        ...

    def adjoint(self, weights: Any) -> Any:
        """``sum_i weights_i X_i``: ``(n,)`` -> shape ``d``."""
        ...

    def squared_norms(self) -> Any:
        """``||X_i||_F^2`` for every sample, ``(n,)`` (used once, for the first step size)."""
        ...


class InMemoryDesign(Design):
    """X held as one array; both passes are a matrix-vector product.

    The reshape to ``(n, D)`` is a view for contiguous arrays, so X is never
    copied.  ``passes`` counts the streaming passes, for the roofline check.
    """

    def __init__(self, X: Any) -> None:
        self.xp = array_namespace(X)
        self.n_samples = int(X.shape[0])
        self.sample_shape = tuple(int(s) for s in X.shape[1:])
        self.n_features = math.prod(self.sample_shape)
        self.dtype = X.dtype
        self.device = device(X)
        self.flat = self.xp.reshape(X, (self.n_samples, self.n_features))
        self.passes = 0
        self._squared_norms: Any = None

    def forward(self, coef: Any) -> Any:
        self.passes += 1
        return self.xp.matmul(self.flat, self.xp.reshape(coef, (self.n_features,)))

    def adjoint(self, weights: Any) -> Any:
        self.passes += 1
        return self.xp.reshape(self.xp.matmul(weights, self.flat), self.sample_shape)

    def squared_norms(self) -> Any:
        if self._squared_norms is None:  # X does not change: one pass, once
            self.passes += 1
            self._squared_norms = self.xp.vecdot(self.flat, self.flat)
        return self._squared_norms


class IdentityDesign(Design):
    """Samples are the unit tensors of ``shape``: ``eta = vec(coef)``.

    Fitting it with the Gaussian family is least-squares approximation of a
    tensor ``y`` (flattened) by the LSR form -- used to decompose a small
    Tucker core without touching X.
    """

    def __init__(self, shape: tuple[int, ...], like: Any) -> None:
        self.xp = array_namespace(like)
        self.sample_shape = tuple(int(s) for s in shape)
        self.n_samples = math.prod(self.sample_shape)
        self.dtype = like.dtype
        self.device = device(like)

    def forward(self, coef: Any) -> Any:
        return self.xp.reshape(coef, (self.n_samples,))

    def adjoint(self, weights: Any) -> Any:
        return self.xp.reshape(weights, self.sample_shape)

    def squared_norms(self) -> Any:
        return self.xp.ones((self.n_samples,), dtype=self.dtype, device=self.device)
