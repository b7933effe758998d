"""Measurement scripts that print tables (``python -m lsr_arrayapi.bench NAME``)."""
