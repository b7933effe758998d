"""Starts (``init=``): random, spectral and the default cold start (lift), registered through
the same hook as third-party starts; a warm start (a mapping or a fit) is wrapped in WarmStart."""

from lsr_arrayapi.starts.base import Start, StartProblem
from lsr_arrayapi.starts.lift import Lift
from lsr_arrayapi.starts.simple import RandomStart, SpectralStart, WarmStart

BUILTIN_STARTS = (RandomStart, SpectralStart, Lift)

__all__ = [
    "BUILTIN_STARTS",
    "Lift",
    "RandomStart",
    "SpectralStart",
    "Start",
    "StartProblem",
    "WarmStart",
]
