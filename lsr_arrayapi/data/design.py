"""Data access: the only two ways the solver touches the samples X.

Per block update the solver needs ``eta = X_flat @ vec(B)`` (one streaming pass)
and ``R = r @ X_flat`` (one more).  Everything else is independent of n.  Any
object with this interface can stand in for X (an out-of-core or distributed
store, say); :class:`InMemoryDesign` serves arrays of any array-API namespace.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from lsr_arrayapi._backends import float_errors_ignored
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
    ``in_memory`` tells the ``"als"`` schedule that a partial contraction of X
    (a fraction of its size) may be kept between passes.
    """

    in_memory = True

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

    def project(self, matrices: Sequence[Any | None], reduce: Reduce | None = None) -> Any:
        """``X_i x_1 A_1^T ... x_K A_K^T`` for every sample, shape ``(n, q_1, ..., q_K)``.

        ``A_k`` is ``(d_k, q_k)``; a ``None`` keeps mode k (``q_k = d_k``).  One
        streaming pass (the ``"als"`` schedule's block designs); samples are taken
        in chunks whose temporaries hold about 2^18 entries.  ``reduce``
        maps each chunk's ``(rows, q_1, ..., q_K)`` result to a smaller
        ``(rows, ...)`` array before the chunks are joined.
        """
        self.passes += 1
        return project_samples(self.xp, self.flat, self.sample_shape, matrices, reduce)

    def squared_norms(self) -> Any:
        if self._squared_norms is None:  # X does not change: one pass, once
            self._squared_norms = self._compute_squared_norms()
        return self._squared_norms

    def _compute_squared_norms(self) -> Any:
        self.passes += 1
        with float_errors_ignored():  # inf for X near the float maximum: its callers test
            return self.xp.vecdot(self.flat, self.flat)


Reduce = Callable[[Any], Any]


def project_samples(
    xp: Any,
    flat: Any,
    sample_shape: tuple[int, ...],
    matrices: Sequence[Any | None],
    reduce: Reduce | None = None,
) -> Any:
    """:meth:`InMemoryDesign.project` on ``flat`` ``(m, prod(sample_shape))``.

    X's own last mode, when contracted, goes first: one plain matrix product on
    a view.  Other modes are batched matrix products on views (no copies);
    they shrink the temporary most when taken in order of ``d_k / q_k``.
    """
    given = {k: matrix for k, matrix in enumerate(matrices) if matrix is not None}
    if not given:
        raise ValueError("project needs at least one matrix")
    last = len(sample_shape) - 1
    todo = sorted(given, key=lambda k: (k != last, -sample_shape[k] / given[k].shape[1]))
    # chunks whose first (largest) temporary has about _CHUNK_ELEMENTS entries
    per_sample = math.prod(sample_shape) // sample_shape[todo[0]] * given[todo[0]].shape[1]
    rows = max(1, _CHUNK_ELEMENTS // per_sample)
    if reduce is None and len(todo) == 1:  # the one product is the result: no temporaries
        rows = flat.shape[0]
    parts = []
    for begin in range(0, flat.shape[0], rows):
        stop = min(begin + rows, flat.shape[0])  # the standard forbids slices past the end
        tensor = xp.reshape(flat[begin:stop, ...], (-1, *sample_shape))
        for k in todo:
            tensor = mode_contract(xp, tensor, given[k], k + 1)
        parts.append(tensor if reduce is None else reduce(tensor))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)


def mode_contract(xp: Any, tensor: Any, matrix: Any, axis: int) -> Any:
    """Contract axis ``axis`` of ``tensor`` (size d) with the rows of ``matrix`` ``(d, q)``."""
    shape = tensor.shape
    if axis == tensor.ndim - 1:  # contiguous last axis: one plain matrix product
        product = xp.matmul(xp.reshape(tensor, (-1, shape[-1])), matrix)
        return xp.reshape(product, (*shape[:-1], matrix.shape[1]))
    lead, trail = math.prod(shape[:axis]), math.prod(shape[axis + 1 :])
    product = xp.matmul(
        xp.matrix_transpose(matrix), xp.reshape(tensor, (lead, shape[axis], trail))
    )  # (lead, q, trail): one small product per leading index
    return xp.reshape(product, (*shape[:axis], matrix.shape[1], *shape[axis + 1 :]))


#: project's largest temporary per chunk, in entries (2 MiB in float64): smaller chunks
#: pay per-chunk overhead, larger ones memory (``python -m lsr_arrayapi.bench roofline``).
_CHUNK_ELEMENTS = 2**18
