"""Class labels: checked, and encoded as codes {0, ..., C - 1} in X's namespace.

Numeric and boolean labels (arrays of any library, lists of numbers) are
moved to X's namespace and device, so ``classes_`` lives there and
``predict`` returns labels of X's kind.  Other labels (strings, objects) are
encoded on the host: the array API has no string dtype, so their
``classes_`` and ``predict`` are NumPy arrays.  The classes are the sorted
distinct labels (two: from the minimum and maximum, with no data-dependent
shape).  Missing labels (NaN, None) are an error that counts them.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import is_array_api_obj

from lsr_arrayapi._backends import encode_host_labels, host_labels, to_host
from lsr_arrayapi._namespace import array_namespace, device, follow
from lsr_arrayapi.validation import plain_array

_NUMERIC = ("bool", "integral", "real floating")


def is_numeric_labels(labels: Any) -> bool:
    """True for an array of any namespace with a boolean or real dtype."""
    if not is_array_api_obj(labels):
        return False
    try:
        return bool(array_namespace(labels).isdtype(labels.dtype, _NUMERIC))
    except (TypeError, ValueError):
        return False


def encode_labels(
    y: Any, like: Any, *, xp: Any, classes: Any = None, unseen: str = "raise"
) -> tuple[Any, Any]:
    """Return ``(classes, codes)``: the classes (sorted) and codes ``(n,)`` in {0, ..., C - 1}.

    ``like`` (shape ``(n, ...)``) gives the namespace, device and dtype of the
    codes; ``classes`` (from ``fit``) fixes the classes, else they are found in y.
    A label not among ``classes`` raises, or with ``unseen="miss"`` (scoring) gets
    the code -1, which no prediction matches; numbers for a model fitted on strings
    raise either way (a mix of label kinds, as in scikit-learn's metrics).
    """
    y = plain_array(y, "y")
    if not is_numeric_labels(y):
        host = host_labels(y)
        if host.dtype.kind not in "biuf":
            if host.dtype.kind == "c":
                raise TypeError(f"y must hold class labels, got complex dtype {host.dtype}")
            fitted = None if classes is None else to_host(classes)
            found, codes = encode_host_labels(host, fitted, unseen=unseen)
            _check_length(codes.shape[0], like)
            return found, follow(codes, like, xp=xp, dtype=like.dtype)
        y = host
    labels = follow(_signed(y), like, xp=xp)  # the labels' own dtype
    if labels.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {tuple(labels.shape)}")
    _check_length(labels.shape[0], like)
    if xp.isdtype(labels.dtype, "real floating"):
        missing = int(xp.sum(xp.astype(xp.isnan(labels), xp.int64)))
        if missing:
            raise ValueError(
                f"y has {missing} missing label(s) (NaN); drop those samples or fill them in"
            )
        if not bool(xp.all(xp.isfinite(labels))):
            raise ValueError("y has infinite labels; class labels must be finite")
    if classes is not None and not is_numeric_labels(classes):  # fitted on strings, say
        raise ValueError(
            f"y has labels not seen in fit: {sorted(set(to_host(labels).tolist()))[:10]} "
            f"(the model was fitted on {to_host(classes).tolist()[:10]})"
        )
    if classes is None:
        classes = _classes(labels, xp)
        _check_discrete(labels, classes, xp)
    else:
        classes = follow(classes, like, xp=xp)
    if labels.dtype != classes.dtype:  # compare in one dtype (the standard mixes no kinds)
        labels, classes = xp.astype(labels, xp.float64), xp.astype(classes, xp.float64)
    if classes.shape[0] == 2:  # no search: two comparisons
        seen, codes = (labels == classes[0]) | (labels == classes[1]), labels == classes[1]
    else:
        codes = xp.clip(xp.searchsorted(classes, labels), 0, classes.shape[0] - 1)
        seen = xp.take(classes, codes) == labels
    codes = xp.astype(codes, like.dtype)
    if unseen == "miss":
        return classes, xp.where(seen, codes, -xp.ones_like(codes))
    if not bool(xp.all(seen)):
        missed = to_host(labels)[~to_host(seen)]
        raise ValueError(f"y has labels not seen in fit: {sorted(set(missed.tolist()))[:10]}")
    return classes, codes


def _signed(labels: Any) -> Any:
    """Unsigned labels wider than 8 bits as int64 (torch has no ``min`` or ``sort`` for
    uint16 to uint64), so every backend gets the same classes; values above int64's
    maximum are an error."""
    source = array_namespace(labels)
    dtype = labels.dtype
    if not source.isdtype(dtype, "unsigned integer") or dtype == source.uint8:
        return labels
    if labels.shape[0] and int(source.max(labels)) > 2**63 - 1:
        raise ValueError(f"y has {dtype} labels above int64's maximum; encode them as strings")
    return source.astype(labels, source.int64)


def _check_length(n_labels: int, like: Any) -> None:
    if n_labels != like.shape[0]:
        raise ValueError(f"y has {n_labels} entries but X has {like.shape[0]} samples")


def _classes(labels: Any, xp: Any) -> Any:
    """The sorted classes of numeric ``labels``: from the minimum and maximum when there are
    two (no data-dependent shape), else their distinct values."""
    if xp.isdtype(labels.dtype, "bool"):
        found = [v for v, present in ((False, xp.any(~labels)), (True, xp.any(labels))) if present]
        if len(found) == 2:
            return xp.asarray(found, dtype=xp.bool, device=device(labels))
        _too_few(labels)
    low, high = xp.min(labels), xp.max(labels)
    if bool(low == high):
        _too_few(labels)
    if bool(xp.all((labels == low) | (labels == high))):
        return xp.stack([low, high])
    return xp.sort(xp.unique_values(labels))


def _too_few(labels: Any) -> None:
    found = sorted(set(to_host(labels).tolist()))
    raise ValueError(
        f"LSRClassifier needs at least two classes; y has {len(found)} class(es): {found[:10]}"
    )


def _check_discrete(labels: Any, classes: Any, xp: Any) -> None:
    """Raise for a continuous target: non-integer float labels, more than half of them
    distinct (float labels such as 0 and 2.5 are classes; 100 values in 100 samples
    are a regression target, where each class would hold about one sample)."""
    n, count = int(labels.shape[0]), int(classes.shape[0])
    floating = xp.isdtype(labels.dtype, "real floating")
    if floating and 2 * count > n and not bool(xp.all(labels == xp.round(labels))):
        raise ValueError(
            f"y looks continuous ({count} distinct non-integer values in {n} samples): a "
            "classifier needs discrete class labels; use LSRRegressor for a continuous target"
        )
