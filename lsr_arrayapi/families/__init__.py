"""GLM families: the protocol (:mod:`~lsr_arrayapi.families.base`) and the built-ins."""

from lsr_arrayapi.families.base import Family
from lsr_arrayapi.families.glm import (
    BUILTIN_FAMILIES,
    Gamma,
    Gaussian,
    Logistic,
    Multinomial,
    Poisson,
)

__all__ = ["BUILTIN_FAMILIES", "Family", "Gamma", "Gaussian", "Logistic", "Multinomial", "Poisson"]
