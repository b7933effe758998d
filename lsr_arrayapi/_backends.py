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
    if random_state is None or isinstance(random_state, int | np.integer):
        return np.random.default_rng(random_state)
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


def encode_binary_labels(y: Any, classes: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Host label encoding for labels that are not numeric arrays of X's namespace
    (strings, lists, booleans).  Returns ``(classes, codes)`` with codes in {0, 1}."""
    labels = np.asarray(to_host(y) if not isinstance(y, list | tuple) else y)
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {labels.shape}")
    if classes is None:
        classes = np.unique(labels)
        if classes.size != 2:
            raise ValueError(
                f"LSRClassifier is a binary classifier; y has {classes.size} class(es): {classes.tolist()[:10]}"
            )
    unknown = ~np.isin(labels, classes)
    if unknown.any():
        raise ValueError(
            f"y has labels not seen in fit: {np.unique(labels[unknown]).tolist()[:10]}"
        )
    return classes, (labels == classes[1]).astype(np.float64)
