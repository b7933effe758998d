"""Up-front checks that the data's magnitudes leave room in floating point.

The solver is invariant to the scale of X and y (every step size, stopping
rule and curvature weight is relative), but floating point is not: squares of
entries near 1e155 overflow float64 (1e19 float32), squares near 1e-155
underflow, and a fit on such data would stall at B = 0 or return non-finite
numbers.  These checks turn that into a clear error before any work, at the
cost of the sums of squares the solver needs anyway (one pass over X, shared
with the first step size).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["check_magnitudes"]

_RESCALE = "rescale it (for instance to unit standard deviation) and fit again"


def check_magnitudes(design: Any, y: Any, *, xp: Any, linear_in_y: bool = True) -> None:
    """Raise ``ValueError`` when X, y or the coefficients they imply leave the float range.

    ``design`` is the fit's design (its ``squared_norms()`` are ``(n,)``), ``y`` the
    responses ``(n,)`` in the design's namespace.  ``linear_in_y``: the family's
    eta is on y's scale (identity link), so y's squares must not overflow or
    underflow and the coefficients scale with y; for a log or logit link
    (False) y's scale moves only the intercept and is not checked here.
    """
    squared = design.squared_norms()
    finfo = xp.finfo(squared.dtype)
    # below this mean square, products of two entries lose precision to subnormals
    floor = float(finfo.smallest_normal) / float(finfo.eps)
    total = float(xp.sum(squared))
    entries = design.n_samples * math.prod(design.sample_shape)
    if not math.isfinite(total):
        raise ValueError(
            f"X is too large for its dtype {squared.dtype}: the sum of its squared entries "
            f"overflows (largest representable number {float(finfo.max):.3g}); {_RESCALE}"
        )
    if total == 0:
        if _has_nonzero(design, xp):
            raise ValueError(
                f"X's entries are too small for its dtype {squared.dtype}: their squares "
                f"underflow to zero; {_RESCALE}"
            )
        raise ValueError("X is all zeros: every sample has norm 0, so there is nothing to fit")
    mean_square = total / entries
    if mean_square < floor:
        raise ValueError(
            f"X's entries are too small for its dtype {squared.dtype} (mean square "
            f"{mean_square:.3g}, below {floor:.3g}); {_RESCALE}"
        )
    if not linear_in_y:
        _check_coefficient_range(1.0, mean_square, design, squared.dtype, floor, finfo)
        return
    # y's mean square as max|y|^2 times that of y / max|y|: no square over- or underflows
    # in y's dtype (squares of 1e-200 are 0: y would pass for zeros, and B = 0 for a fit)
    y_max = float(xp.max(xp.abs(y))) if design.n_samples else 0.0
    scaled = y / y_max if y_max > 0 else y
    y_mean_square = y_max * y_max * float(xp.mean(scaled * scaled)) if y_max > 0 else 0.0
    if not y_mean_square < float(finfo.max):
        raise ValueError(
            f"y is too large for its dtype {y.dtype}: its squares overflow; {_RESCALE}"
        )
    if y_max > 0 and y_mean_square < floor:
        raise ValueError(
            f"y's values are too small for its dtype {y.dtype} (largest |y| {y_max:.3g}, "
            f"mean square {y_mean_square:.3g}); {_RESCALE}"
        )
    _check_coefficient_range(
        max(y_mean_square, 1.0), mean_square, design, squared.dtype, floor, finfo
    )


def _check_coefficient_range(
    eta_square: float, mean_square: float, design: Any, dtype: Any, floor: float, finfo: Any
) -> None:
    """The coefficients of a fit scale like ``|eta| / (|X| sqrt(D))``; their squares must be
    normal numbers (``eta_square``: the squared scale of eta)."""
    coef_square = eta_square / (mean_square * math.prod(design.sample_shape))
    if coef_square < floor or not coef_square < float(finfo.max) * float(finfo.eps):
        raise ValueError(
            f"the coefficients for this X and y would be about {math.sqrt(coef_square):.3g} "
            f"per entry, outside the range {dtype} holds with precision; rescale X or y"
        )


def _has_nonzero(design: Any, xp: Any) -> bool:
    """Whether X has a nonzero entry (only asked when every squared norm is zero)."""
    flat = getattr(design, "flat", None)
    if flat is None:  # a design without its array: squares that vanish mean zeros
        return False
    return bool(xp.any(flat != 0))
