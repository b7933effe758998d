"""The whole default fit, cold start included: time, passes over X, pass-pair equivalents.

Settings: the rows of the roofline whole-fit table (``python -m lsr_arrayapi.bench
roofline --whole-fit``, ``lsr_arrayapi.bench.stages.SETTINGS``): the paper's three
(linear n = 500, logistic n = 20000, Poisson n = 5000; shape (10, 15, 20), ranks 2,
S = 2) and the peers problems (Gaussian S = 1: TensorLy's race at n = 500 and
n = 2000, (10, 15, 20), ranks 2, ``python -m lsr_arrayapi.bench peers``; and
3000 x 16^3 at ranks 3).  ``track_passes`` counts the passes over X the fit makes
(``Design.passes``); ``track_pass_pairs`` is the fit's time over one pass pair
(``X_flat @ v`` and ``r @ X_flat``) timed on the same X in the same process, the
machine-independent cost of the whole fit.  On a commit without
``lsr_arrayapi.bench.stages`` the paper's three and the race at n = 2000 run from
the fallback table below; the other two are skipped.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from lsr_arrayapi import fit_lsr

from .common import BACKENDS, load, lsr

#: asv's name for the setting: its name in ``lsr_arrayapi.bench.stages.SETTINGS``
SETTINGS = {
    "paper linear": "paper linear",
    "paper logistic": "paper logistic",
    "paper poisson": "paper poisson",
    "tensorly race": "peers n=2000",
    "peers n=500": "peers n=500",
    "peers 3000 x 16^3": "peers 3000 x 16^3",
}

#: Where ``bench.stages`` is missing: (family, n, S) on the shape (10, 15, 20), ranks 2
FALLBACK = {
    "paper linear": ("gaussian", 500, 2),
    "paper logistic": ("logistic", 20000, 2),
    "paper poisson": ("poisson", 5000, 2),
    "tensorly race": ("gaussian", 2000, 1),
}


def _setting(name: str) -> tuple[str, int, tuple[int, ...], int, int]:
    """``(family, n, shape, ranks, S)``; NotImplementedError (asv: skipped) if missing."""
    try:
        stages = {setting.name: setting for setting in lsr("lsr_arrayapi.bench.stages", "SETTINGS")}
    except NotImplementedError:
        if name not in FALLBACK:
            raise
        family, n, S = FALLBACK[name]
        return family, n, (10, 15, 20), 2, S
    if SETTINGS[name] not in stages:
        raise NotImplementedError(f"no setting {SETTINGS[name]!r} in bench.stages on this commit")
    setting = stages[SETTINGS[name]]
    return setting.family, setting.n, tuple(setting.shape), setting.ranks, setting.S


class WholeFit:
    params = (BACKENDS[:2], list(SETTINGS))
    param_names = ("backend", "setting")
    timeout = 600

    def setup(self, backend, setting):
        to_backend, self.sync = load(backend)
        make_lsr_problem = lsr("lsr_arrayapi.data.datasets", "make_lsr_problem")
        self.InMemoryDesign = lsr("lsr_arrayapi.data.design", "InMemoryDesign")
        family, n, shape, self.ranks, self.S = _setting(setting)
        problem = make_lsr_problem(
            n, sample_shape=shape, ranks=(self.ranks,) * len(shape), separation_rank=self.S,
            family=family, random_state=0,
        )  # fmt: skip
        self.family = family
        self.X, self.y = to_backend(np.asarray(problem.X)), to_backend(np.asarray(problem.y))

    def _fit(self, X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(X, self.y, ranks=self.ranks, separation_rank=self.S,
                           family=self.family, random_state=0)  # fmt: skip

    def time_fit(self, backend, setting):
        self._fit(self.X)
        self.sync()

    def track_passes(self, backend, setting):
        design = self.InMemoryDesign(self.X)
        self._fit(design)
        return design.passes

    track_passes.unit = "passes"

    def track_pass_pairs(self, backend, setting):
        """Seconds of the fit (best of 3) over seconds of one pass pair (best of 5)."""
        fit_seconds = min(self._timed(lambda: self._fit(self.X)) for _ in range(3))
        design = self.InMemoryDesign(self.X)
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
