"""Elementwise forms that overflow to inf without a floating-point warning.

Line-search trials reach linear predictors far beyond the data; there a mean
``exp(eta)`` is inf (and the trial rejected for it), which NumPy would report
with an overflow warning each time.
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._namespace import array_namespace


def exp_limit(xp: Any, dtype: Any) -> float:
    """The largest eta whose ``exp`` counts as finite: ``log(max float) - 1`` (708.8 in
    float64, 87.7 in float32), a mean below the largest float by a factor e."""
    return math.log(float(xp.finfo(dtype).max)) - 1.0


def exp_or_inf(z: Any) -> Any:
    """``exp(z)``, and inf (without an overflow warning) above :func:`exp_limit`: trial
    steps of the line searches go there and are rejected for it."""
    xp = array_namespace(z)
    limit = exp_limit(xp, z.dtype)
    return xp.where(z > limit, math.inf, xp.exp(xp.minimum(z, limit)))
