"""Input checks with clear messages, run before any work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from array_api_compat import is_array_api_obj, is_dask_array

from lsr_arrayapi._namespace import array_namespace, as_float_array, device, follow
from lsr_arrayapi.design import Design, InMemoryDesign


def check_design(X: Any) -> tuple[Any, Design, Any]:
    """Return ``(xp, design, like)`` for X: an array, a Dask array or a Design.

    ``xp`` is the namespace the solver's state lives in; ``like`` is an array
    with the samples' count, dtype and device, for moving y and weights there.
    In-memory arrays give an :class:`~lsr_arrayapi.design.InMemoryDesign` over
    X itself, Dask arrays a :class:`~lsr_arrayapi.dask_design.DaskDesign`; any
    other object with the :class:`~lsr_arrayapi.design.Design` interface is
    used as it is (its ``squared_norms()`` serves as ``like``).
    """
    if is_dask_array(X):
        from lsr_arrayapi.dask_design import DaskDesign

        design: Design = DaskDesign(X)
        design.check_finite()  # type: ignore[attr-defined]
    elif not is_array_api_obj(X) and isinstance(X, Design):
        design = X
    else:
        xp, X = check_X(X)
        return xp, InMemoryDesign(X), X
    like = design.squared_norms()
    return array_namespace(like), design, like


def check_X(X: Any) -> tuple[Any, Any]:
    """Return ``(xp, X)`` for samples of shape ``(n, d_1, ..., d_K)``, K >= 2, real floating."""
    if not is_array_api_obj(X):
        import array_api_compat.numpy as np_compat

        try:
            X = np_compat.asarray(X)  # type: ignore[attr-defined]
        except (TypeError, ValueError) as exc:
            raise TypeError(f"X must be an array, got {type(X).__name__}") from exc
    xp = array_namespace(X)
    if xp.isdtype(X.dtype, "complex floating"):
        raise TypeError(f"X must be real, got complex dtype {X.dtype}")
    if not xp.isdtype(X.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"X must be numeric, got dtype {X.dtype}")
    if X.ndim < 3:
        raise ValueError(
            "X must have shape (n_samples, d_1, ..., d_K) with K >= 2 tensor modes; "
            f"got an array of shape {tuple(X.shape)}"
        )
    if X.shape[0] < 2:
        raise ValueError(f"need at least 2 samples, got n_samples={X.shape[0]}")
    X = as_float_array(X, xp=xp)
    if not _all_finite(X, xp):
        raise ValueError("X contains NaN or infinite values")
    return xp, X


def _all_finite(X: Any, xp: Any, rows: int = 256) -> bool:
    """Finiteness of X without an X-sized temporary.

    One matrix-vector product with ones is finite whenever every entry is
    (a NaN or infinity propagates; ``inf - inf`` is NaN).  Only if it is not --
    a non-finite entry, or finite entries so large that the sum overflows --
    are the samples checked exactly, ``rows`` at a time.
    """
    flat = xp.reshape(X, (X.shape[0], -1))
    ones = xp.ones((flat.shape[1],), dtype=X.dtype, device=device(X))
    if bool(xp.all(xp.isfinite(xp.matmul(flat, ones)))):
        return True
    return all(
        bool(xp.all(xp.isfinite(flat[start : start + rows, ...])))
        for start in range(0, flat.shape[0], rows)
    )


def check_y(y: Any, X: Any, *, xp: Any) -> Any:
    """Return y as a 1-D float array of length n on X's namespace, dtype and device."""
    if y is None:
        raise ValueError("y is required")
    y = follow(y, X, xp=xp)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {tuple(y.shape)}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} samples")
    if xp.isdtype(y.dtype, "complex floating") or not xp.isdtype(
        y.dtype, ("real floating", "integral", "bool")
    ):
        raise TypeError(f"y must be real numbers, got dtype {y.dtype}")
    y = xp.astype(y, X.dtype)
    if not bool(xp.all(xp.isfinite(y))):
        raise ValueError("y contains NaN or infinite values")
    return y


def check_sample_weight(sample_weight: Any, X: Any, *, xp: Any) -> Any:
    """Return weights normalized to sum 1 (``(n,)``), or None."""
    if sample_weight is None:
        return None
    weight = follow(sample_weight, X, xp=xp, dtype=X.dtype)
    if weight.ndim != 1 or weight.shape[0] != X.shape[0]:
        raise ValueError(
            f"sample_weight must have shape ({X.shape[0]},), got {tuple(weight.shape)}"
        )
    if not bool(xp.all(xp.isfinite(weight))) or bool(xp.any(weight < 0)):
        raise ValueError("sample_weight must be finite and non-negative")
    largest = xp.max(weight)
    if not float(largest) > 0:
        raise ValueError("sample_weight sums to zero")
    weight = weight / largest  # first: a sum of weights near the float maximum overflows
    return weight / xp.sum(weight)


def check_ranks(
    ranks: int | Sequence[int], sample_shape: tuple[int, ...], separation_rank: int
) -> tuple[int, ...]:
    """Validate ranks against the sample shape; an int means the same rank for every mode."""
    if isinstance(ranks, int):
        ranks = (ranks,) * len(sample_shape)
    ranks = tuple(ranks)
    if len(ranks) != len(sample_shape):
        raise ValueError(
            f"ranks has {len(ranks)} entries but the samples have {len(sample_shape)} modes "
            f"(sample shape {sample_shape})"
        )
    for k, (rank, dim) in enumerate(zip(ranks, sample_shape, strict=True)):
        if int(rank) != rank or not 1 <= rank <= dim:
            raise ValueError(f"ranks[{k}] = {rank} must be an integer in [1, d_{k + 1} = {dim}]")
    if int(separation_rank) != separation_rank or separation_rank < 1:
        raise ValueError(f"separation_rank must be an integer >= 1, got {separation_rank}")
    return tuple(int(r) for r in ranks)


def check_solver_options(*, max_iter: int, tol: float, alpha: float, lr: float | None) -> None:
    if int(max_iter) != max_iter or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    for name, value in (("tol", tol), ("alpha", alpha)):
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0, got {value!r}")
    if lr is not None and not lr > 0:
        raise ValueError(f"lr must be > 0 or None (adaptive), got {lr!r}")
