"""The one place that talks to a concrete library: the host NumPy generator.

The array API standard has no random number generator, so every random draw
(starts, sketches) comes from one host :class:`numpy.random.Generator` and is
moved to the caller's namespace and device.  The arrays drawn are tiny
(factor-sized), so the host-to-device copy is negligible, and the same seed
gives the same numbers on every backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Generator = np.random.Generator
RandomState = int | np.random.Generator | None


def host_rng(random_state: RandomState) -> np.random.Generator:
    """Return a NumPy ``Generator`` for an int seed, ``None`` or a ``Generator``."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, int | np.integer) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, got {type(random_state)!r}"
    )


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...], *, xp: Any, like: Any) -> Any:
    """Draw N(0, 1) numbers of ``shape`` on the host; return them in ``like``'s namespace,
    dtype and device."""
    from array_api_compat import device

    return xp.asarray(rng.standard_normal(shape), dtype=like.dtype, device=device(like))


def to_host(x: Any) -> np.ndarray:
    """Copy a small array of any namespace to a NumPy array (labels, reports)."""
    if isinstance(x, np.ndarray):
        return x
    if type(x).__module__.startswith("dask"):
        return to_host(x.compute())
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy()
    if type(x).__module__.startswith("array_api_strict"):
        import array_api_strict

        x = x.to_device(array_api_strict.Device("CPU_DEVICE"))
    return np.asarray(x)


def host_labels(y: Any) -> np.ndarray:
    """Labels of any kind (array, list, pandas Series) as a NumPy array.

    A list that mixes strings with other labels is an error, not silently
    stringified (NumPy would turn ``[1, "a"]`` into ``["1", "a"]``).
    """
    if not isinstance(y, list | tuple):
        return np.asarray(to_host(y))
    labels = np.asarray(y)
    if labels.ndim == 1 and labels.dtype.kind in "US" and not all(isinstance(v, str) for v in y):
        kinds = sorted({type(v).__name__ for v in y})
        raise ValueError(f"y mixes labels of types {kinds}; use labels of one type")
    return labels


def encode_host_labels(
    labels: np.ndarray, classes: np.ndarray | None = None, *, unseen: str = "raise"
) -> tuple[np.ndarray, np.ndarray]:
    """Host label encoding for labels that are not numeric (strings, objects).

    Returns ``(classes, codes)`` with codes in {0, ..., C - 1} (float64); ``classes``
    (from ``fit``) fixes the classes, else they are the sorted distinct labels.  A
    label not in ``classes`` raises, or with ``unseen="miss"`` gets the code -1.
    """
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {labels.shape}")
    if labels.dtype == object:
        missing = sum(v is None or (isinstance(v, float) and v != v) for v in labels)
        if missing:
            raise ValueError(
                f"y has {missing} missing label(s) (None or NaN); drop those samples or fill them in"
            )
    if classes is None:
        try:
            classes = np.unique(labels)
        except TypeError as exc:
            kinds = sorted({type(v).__name__ for v in labels})
            raise ValueError(f"y mixes labels of types {kinds} that cannot be ordered") from exc
        if classes.size < 2:
            raise ValueError(
                f"LSRClassifier needs at least two classes; y has {classes.size} class(es): {classes.tolist()[:10]}"
            )
    unknown = ~np.isin(labels, classes)
    if unknown.any() and unseen != "miss":
        raise ValueError(
            f"y has labels not seen in fit: {list(dict.fromkeys(labels[unknown].tolist()))[:10]}"
        )
    codes = np.clip(np.searchsorted(classes, labels), 0, classes.size - 1).astype(np.float64)
    return classes, np.where(unknown, -1.0, codes)


def take_rows(values: Any, rows: Any) -> Any:
    """``values[rows]`` (``rows``: host integer indices) for an array of any namespace, kept
    on its device, or for a host sequence (labels, lists)."""
    from array_api_compat import array_namespace, device, is_array_api_obj

    if not is_array_api_obj(values):
        return host_labels(values)[rows]
    xp = array_namespace(values)
    return xp.take(values, xp.asarray(rows, device=device(values)), axis=0)


def float_errors_ignored() -> Any:
    """A context in which NumPy (and array-api-strict, built on it) reports no overflow
    or underflow warnings: for checks that test for inf and 0 themselves and raise an
    error of their own (``numpy.errstate`` is local to the thread and context)."""
    return np.errstate(over="ignore", under="ignore", invalid="ignore")
