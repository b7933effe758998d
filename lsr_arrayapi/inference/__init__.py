"""Standard errors and intervals of the coefficient tensor: Fisher information or bootstrap."""

from lsr_arrayapi.inference.fisher import fisher_stderr, tangent_directions

__all__ = ["fisher_stderr", "tangent_directions"]
