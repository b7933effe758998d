"""Standard errors and intervals of the coefficient tensor: Fisher information or bootstrap.

The estimators' ``coef_stderr`` and ``coef_interval`` call these.
"""

from lsr_arrayapi.inference.bootstrap import bootstrap_coefs, percentile_interval
from lsr_arrayapi.inference.fisher import fisher_stderr, tangent_directions

__all__ = ["bootstrap_coefs", "fisher_stderr", "percentile_interval", "tangent_directions"]
