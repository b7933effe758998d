"""Reproduce the LSRTR-M paper's experiments: ``lsr-arrayapi reproduce NAME``.

The synthetic figures (2-10) and the real-data runs (Vessel MNIST 3D, the
handwritten digits) are defined in :mod:`.experiments`; :mod:`.synthetic`
runs them, :mod:`.real` runs the real data and :mod:`.report` writes the
CSV, JSON, figures and Markdown summary.  The authors' quirks (unsigned QR,
the Fig 7 residual, the Fig 10 filter, test-set early stopping) live here, in
the runner, never in the library's solver.
"""
