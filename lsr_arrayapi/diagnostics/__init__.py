"""Checks of the inputs before a fit and of the fit after it."""
