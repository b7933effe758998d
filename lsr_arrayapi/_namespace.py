"""The array-API edge: find the namespace once, keep everything on X's device.

Following scikit-learn's rule "everything follows X": y and sample weights of
any array type are moved to X's namespace and device; fitted arrays stay there.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace, device, is_array_api_obj

__all__ = [
    "MIN_API_VERSION",
    "REQUIRED_LINALG",
    "array_namespace",
    "check_namespace",
    "compute_dtype",
    "device",
    "follow",
    "real_floating",
]

#: the array-API version the code is written against (``moveaxis``, ``clip``
#: and ``searchsorted`` with ``side`` are 2023.12)
MIN_API_VERSION = "2023.12"
#: the ``linalg`` extension functions the solver calls
REQUIRED_LINALG = ("diagonal", "eigh", "matrix_norm", "qr", "solve", "svd", "vector_norm")


def check_namespace(xp: Any, x: Any, name: str = "X", *, linalg: bool = True) -> None:
    """Raise ``TypeError`` unless ``xp`` (the namespace of array ``x``) can run a fit.

    Checked once, at the edge: the declared array-API version is at least
    :data:`MIN_API_VERSION`, the ``linalg`` extension has every function in
    :data:`REQUIRED_LINALG` (unless ``linalg=False``: prediction needs none),
    and ``x`` lives on a device that holds values (not torch's ``"meta"`` device).
    """
    label = getattr(xp, "__name__", type(xp).__name__)
    version = getattr(xp, "__array_api_version__", None)
    if not isinstance(version, str) or version < MIN_API_VERSION:
        raise TypeError(
            f"{name}'s array namespace {label} implements array API version {version}; "
            f"lsr_arrayapi needs {MIN_API_VERSION} or later"
        )
    extension = getattr(xp, "linalg", None)
    missing = [f for f in REQUIRED_LINALG if not callable(getattr(extension, f, None))]
    if linalg and missing:
        raise TypeError(
            f"{name}'s array namespace {label} lacks the linalg extension functions "
            f"{missing}; lsr_arrayapi needs linalg.{', linalg.'.join(REQUIRED_LINALG)}"
        )
    where = device(x)
    if getattr(where, "type", where) == "meta":
        raise TypeError(
            f"{name} is on torch's 'meta' device, which holds no values; "
            "move it to a real device first"
        )


def real_floating(xp: Any, x: Any) -> bool:
    """True if ``x`` has a real floating dtype."""
    return bool(xp.isdtype(x.dtype, "real floating"))


def follow(x: Any, like: Any, *, xp: Any, dtype: Any = None) -> Any:
    """Return ``x`` (any array-like) as an array of ``like``'s namespace and device.

    A foreign array (NumPy data for a torch fit, say) is converted through
    ``xp.asarray``; an array already in ``xp`` on the right device is untouched.
    """
    if is_array_api_obj(x) and not same_namespace(x, xp):
        # Cross-library conversion goes through the host: only small arrays
        # (labels, weights, starts) take this path; X itself is never converted.
        from lsr_arrayapi._backends import to_host

        x = to_host(x)
    # a read-only NumPy array for another library (a data frame's flags have no writeable)
    if not getattr(getattr(x, "flags", None), "writeable", True) and not same_namespace(x, xp):
        x = x.copy()  # torch warns that it cannot share it (small arrays only, as above)
    return xp.asarray(x, dtype=dtype, device=device(like))


def compute_dtype(xp: Any, dtype: Any, name: str = "X") -> Any:
    """The dtype a fit computes in for data of ``dtype`` (the dtype policy).

    float32 and float64 are kept; integers and booleans become float64; any
    other real floating dtype (float16, bfloat16, NumPy's longdouble) raises
    ``TypeError``: linear algebra in those is missing on some backends, so the
    caller converts explicitly and knows the precision it gets.
    """
    if dtype == xp.float32 or dtype == xp.float64:
        return dtype
    if xp.isdtype(dtype, ("integral", "bool")):
        return xp.float64
    if xp.isdtype(dtype, "complex floating"):
        raise TypeError(f"{name} must be real, got complex dtype {dtype}")
    if xp.isdtype(dtype, "real floating"):
        raise TypeError(
            f"{name} has dtype {dtype}; lsr_arrayapi computes in float32 or float64 "
            "(low- and extended-precision floats lack linear algebra on some backends): "
            f"convert it first, e.g. xp.astype({name}, xp.float32)"
        )
    raise TypeError(f"{name} must be numeric, got dtype {dtype}")


def same_namespace(x: Any, xp: Any) -> bool:
    """True if ``x`` is an array of namespace ``xp``."""
    try:
        return array_namespace(x) is xp
    except TypeError:
        return False


def unlike(result: Any, like: Any, shape: tuple[int, ...], name: str) -> str | None:
    """What keeps a plugin's ``result`` from standing in for an array of ``like``'s
    namespace and dtype with ``shape`` (a phrase for a protocol error), or None."""
    got = getattr(result, "shape", None)
    if got is None or tuple(got) != tuple(shape):
        return f"returned shape {got} for {name} of shape {tuple(like.shape)}"
    try:
        array_namespace(like, result)
    except TypeError:
        return f"returned a {_kind(result)} for a {_kind(like)} {name}"
    if result.dtype != like.dtype:
        return f"returned dtype {result.dtype} for {name} of dtype {like.dtype}"
    return None


def _kind(array: Any) -> str:
    """``module.Type`` of an array, for messages (``numpy.ndarray``, ``torch.Tensor``)."""
    return f"{type(array).__module__.split('.')[0]}.{type(array).__name__}"
