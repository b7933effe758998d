"""The whole default fit, cold start included: time, passes over X, pass-pair equivalents.

Settings: the paper's three (linear n = 500, logistic n = 20000, Poisson n = 5000;
shape (10, 15, 20), ranks 2, S = 2) and TensorLy's race problem (Gaussian S = 1,
n = 2000, ranks 2; ``python -m lsr_arrayapi.bench peers``).  ``track_passes``
counts the passes over X the fit makes (``Design.passes``); ``track_pass_pairs``
is the fit's time over one pass pair (``X_flat @ v`` and ``r @ X_flat``) timed on
the same X in the same process, the machine-independent cost of the whole fit.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.data.design import InMemoryDesign

from .common import BACKENDS, load

#: name: (family, n, S)
SETTINGS = {
    "paper linear": ("gaussian", 500, 2),
    "paper logistic": ("logistic", 20000, 2),
    "paper poisson": ("poisson", 5000, 2),
    "tensorly race": ("gaussian", 2000, 1),
}


class WholeFit:
    params = (BACKENDS[:2], list(SETTINGS))
    param_names = ("backend", "setting")
    timeout = 600

    def setup(self, backend, setting):
        to_backend, self.sync = load(backend)
        family, n, S = SETTINGS[setting]
        problem = make_lsr_problem(n, family=family, separation_rank=S, random_state=0)
        self.family, self.S = family, S
        self.X, self.y = to_backend(np.asarray(problem.X)), to_backend(np.asarray(problem.y))

    def _fit(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(X, self.y, ranks=2, separation_rank=self.S, family=self.family,
                           random_state=0)  # fmt: skip

    def time_fit(self, backend, setting):
        self._fit(self.X)
        self.sync()

    def track_passes(self, backend, setting):
        design = InMemoryDesign(self.X)
        self._fit(design)
        return design.passes

    track_passes.unit = "passes"

    def track_pass_pairs(self, backend, setting):
        """Seconds of the fit over seconds of one pass pair (best of 5 each)."""
        fit_seconds = min(self._timed(lambda: self._fit(self.X)) for _ in range(3))
        design = InMemoryDesign(self.X)
        coef = design.adjoint(self.y)

        def pass_pair():
            design.adjoint(design.forward(coef))

        return fit_seconds / min(self._timed(pass_pair) for _ in range(5))

    track_pass_pairs.unit = "pass pairs"

    def _timed(self, run):
        began = time.perf_counter()
        run()
        self.sync()
        return time.perf_counter() - began
