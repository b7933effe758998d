"""The array-API edge: find the namespace once, keep everything on X's device.

Following scikit-learn's rule "everything follows X": y and sample weights of
any array type are moved to X's namespace and device; fitted arrays stay there.
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace, device, is_array_api_obj

__all__ = ["array_namespace", "as_float_array", "device", "follow", "real_floating"]


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
    return xp.asarray(x, dtype=dtype, device=device(like))


def as_float_array(x: Any, *, xp: Any) -> Any:
    """Return ``x`` with a real floating dtype (integers and booleans become float64)."""
    if xp.isdtype(x.dtype, "real floating"):
        return x
    if xp.isdtype(x.dtype, ("integral", "bool")):
        return xp.astype(x, xp.float64)
    raise TypeError(f"X must hold real numbers, got dtype {x.dtype}")


def same_namespace(x: Any, xp: Any) -> bool:
    """True if ``x`` is an array of namespace ``xp``."""
    try:
        return array_namespace(x) is xp
    except TypeError:
        return False
