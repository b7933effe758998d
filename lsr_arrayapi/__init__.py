"""lsr_arrayapi: low-separation-rank tensor GLMs on any array-API backend."""

from lsr_arrayapi import _moved
from lsr_arrayapi.estimators import (
    LSRClassifier,
    LSRGammaRegressor,
    LSRPoissonRegressor,
    LSRRegressor,
    LSRTensorGLM,
)
from lsr_arrayapi.exceptions import (
    InvalidParameterError,
    NumericalError,
    PluginError,
    PluginWarning,
)
from lsr_arrayapi.families.base import Family
from lsr_arrayapi.fit import LSRFit, fit_lsr
from lsr_arrayapi.plugins import (
    available_families,
    available_retractions,
    available_rules,
    available_solvers,
    available_starts,
    register_plugin,
    unregister_plugin,
)
from lsr_arrayapi.plugins.hookspecs import hookimpl
from lsr_arrayapi.rules.base import UpdateRule
from lsr_arrayapi.selection import select_ranks
from lsr_arrayapi.starts.lack_of_fit import StartWarning

__version__ = "0.1.0"

_moved.install()


def __getattr__(name: str) -> object:
    """``lsr_arrayapi.<old module>`` (``lsr_arrayapi.solver``, ...): the moved module, warned."""
    return _moved.old_module(name)


__all__ = [
    "Family",
    "InvalidParameterError",
    "LSRClassifier",
    "LSRFit",
    "LSRGammaRegressor",
    "LSRPoissonRegressor",
    "LSRRegressor",
    "LSRTensorGLM",
    "NumericalError",
    "PluginError",
    "PluginWarning",
    "StartWarning",
    "UpdateRule",
    "__version__",
    "available_families",
    "available_retractions",
    "available_rules",
    "available_solvers",
    "available_starts",
    "fit_lsr",
    "hookimpl",
    "register_plugin",
    "select_ranks",
    "unregister_plugin",
]
