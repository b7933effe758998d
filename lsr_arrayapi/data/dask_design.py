"""X as a Dask array chunked along the samples: the two passes as map-reduce.

The solver's state (factors, core, eta, y) stays in memory in the namespace of
X's chunks (NumPy, or CuPy for CuPy chunks); only the two passes over X run on
Dask -- on the workers of an active ``dask.distributed`` client, otherwise on
Dask's local scheduler:

* ``forward``: ``eta = X_flat @ vec(B)``, one product per chunk, the ``(n,)``
  result gathered (n numbers, never X).
* ``adjoint``: ``sum_i w_i X_i``, one ``(D,)`` partial sum per chunk, combined
  by Dask's tree reduction.
* ``project`` (the ``"als"`` schedule): each chunk's samples contracted with
  small factor matrices, ``(rows, prod q)`` per chunk, gathered.

X itself is never gathered on the client.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from lsr_arrayapi._namespace import array_namespace, compute_dtype, device
from lsr_arrayapi.data.design import Design, Reduce, project_samples


def import_dask_array() -> Any:
    """``(dask, dask.array)``, or an ``ImportError`` that names the install command."""
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # dask without its array extras (toolz, numpy, ...)
        raise ImportError(
            "fitting a Dask array needs dask.array; install it with "
            "pip install 'lsr_arrayapi[dask]'"
        ) from exc
    return dask, da


class DaskDesign(Design):
    """Samples held in a ``dask.array.Array`` of shape ``(n, d_1, ..., d_K)``.

    Chunks along the sample axis are kept; chunks that split a sample are
    merged (each chunk then holds whole samples).  Call ``X.persist()`` first
    when X fits in the cluster's memory, so that each pass does not re-read it.
    """

    def __init__(self, X: Any) -> None:
        self._dask, da = import_dask_array()
        if X.ndim < 3:
            raise ValueError(
                "X must have shape (n_samples, d_1, ..., d_K) with K >= 2 tensor modes; "
                f"got a Dask array of shape {tuple(X.shape)}"
            )
        if any(math.isnan(s) for s in X.shape):
            raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first")
        self.xp = array_namespace(X._meta)  # NumPy or CuPy: the chunks' namespace
        dtype = compute_dtype(self.xp, X.dtype)
        if X.dtype != dtype:
            X = X.astype(dtype)
        self.n_samples = int(X.shape[0])
        if self.n_samples < 2:
            raise ValueError(f"need at least 2 samples, got n_samples={self.n_samples}")
        self.sample_shape = tuple(int(s) for s in X.shape[1:])
        self.n_features = math.prod(self.sample_shape)
        X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
        self.flat = X.reshape((self.n_samples, self.n_features))
        self.row_chunks = X.chunks[0]
        self.dtype = X._meta.dtype
        self.device = device(X._meta)
        self.passes = 0
        self._squared_norms: Any = None
        self._da = da

    def _compute(self, lazy: Any) -> Any:
        self.passes += 1
        (result,) = self._dask.compute(lazy)
        return self.xp.asarray(result)

    def forward(self, coef: Any) -> Any:
        vector = self.xp.reshape(coef, (self.n_features,))
        return self._compute(self._da.matmul(self.flat, vector))

    def adjoint(self, weights: Any) -> Any:
        lazy_weights = self._da.from_array(weights, chunks=(self.row_chunks,))
        total = self._compute(self._da.matmul(lazy_weights, self.flat))
        return self.xp.reshape(total, self.sample_shape)

    def project(self, matrices: Sequence[Any | None], reduce: Reduce | None = None) -> Any:
        """``X_i x_k A_k^T`` per sample (see InMemoryDesign): one small result per chunk."""
        xp, shape = self.xp, self.sample_shape
        sizes = [d if m is None else m.shape[1] for d, m in zip(shape, matrices, strict=True)]
        template = xp.zeros((1, *sizes), dtype=self.dtype)
        out_shape = tuple((template if reduce is None else reduce(template)).shape[1:])
        width = math.prod(out_shape)

        def chunk(block: Any) -> Any:
            projected = project_samples(xp, xp.asarray(block), shape, matrices, reduce)
            return xp.reshape(projected, (block.shape[0], width))

        lazy = self.flat.map_blocks(chunk, chunks=(self.row_chunks, (width,)), dtype=self.dtype)
        return self.xp.reshape(self._compute(lazy), (self.n_samples, *out_shape))

    def squared_norms(self) -> Any:
        if self._squared_norms is None:
            self._squared_norms = self._compute(self._da.sum(self.flat * self.flat, axis=1))
        return self._squared_norms

    def check_finite(self) -> None:
        """Raise if X holds NaN or infinity (one pass, shared with ``squared_norms``)."""
        if bool(self.xp.all(self.xp.isfinite(self.squared_norms()))):
            return
        (finite,) = self._dask.compute(self._da.all(self._da.isfinite(self.flat)))
        if not bool(finite):
            raise ValueError("X contains NaN or infinite values")
        raise ValueError("X's squared entries overflow its dtype; rescale X")
