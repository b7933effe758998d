"""Checks of the inputs before a fit and of the fit after it."""

from lsr_arrayapi.diagnostics.post_fit import CANCELLATION, check_fit

__all__ = ["CANCELLATION", "check_fit"]
