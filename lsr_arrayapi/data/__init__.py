"""Designs (X in memory, on Dask, in files), datasets and label encoding."""
