"""Per-iteration and full-fit timings, peak memory and accuracy for each rule and backend."""

from __future__ import annotations

import warnings

import numpy as np

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.metrics import nee

from .common import BACKENDS, as_float32, load, lsr, synthetic

RULES = ["qr", "polar", "muon", "randomized_polar"]


class OuterIteration:
    """Five outer iterations on the Vessel-sized problem (n = 2000, 28^3, ranks 3, S = 2)."""

    params = (BACKENDS, RULES, ["gauss_seidel", "jacobi", "als"])
    param_names = ("backend", "rule", "schedule")
    timeout = 300

    def setup(self, backend, rule, schedule):
        to_backend, self.sync = load(backend)
        rng = np.random.default_rng(0)
        self.X = to_backend(as_float32(rng.standard_normal((2000, 28, 28, 28))))
        self.y = to_backend(as_float32(rng.standard_normal(2000)))
        self.sync()

    def time_five_iterations(self, backend, rule, schedule):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_lsr(
                self.X, self.y, ranks=3, separation_rank=2, rule=rule, schedule=schedule,
                init="random", random_state=0, max_iter=5, tol=0.0,
            )  # fmt: skip
        self.sync()


class LBFGSIteration(OuterIteration):
    """Five iterations of the default S = 2 schedule, L-BFGS (it takes no rule)."""

    params = (BACKENDS,)
    param_names = ("backend",)

    def setup(self, backend):
        super().setup(backend, None, "lbfgs")

    def time_five_iterations(self, backend):
        super().time_five_iterations(backend, None, "lbfgs")


class FullFit:
    """A default fit (cold start included) of the paper's linear problem.

    ``"default"`` passes no rule (the automatic schedule: L-BFGS for S = 2); a
    named rule runs the Gauss-Seidel schedule.
    """

    params = (BACKENDS[:2], ["default", *RULES])
    param_names = ("backend", "rule")
    timeout = 300

    def setup(self, backend, rule):
        to_backend, self.sync = load(backend)
        self.problem = synthetic(500, (10, 15, 20))
        self.X, self.y = (
            to_backend(np.asarray(self.problem.X)),
            to_backend(np.asarray(self.problem.y)),
        )

    def _fit(self, rule):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(
                self.X, self.y, ranks=2, separation_rank=2, random_state=0,
                rule=None if rule == "default" else rule,
            )  # fmt: skip

    def time_fit(self, backend, rule):
        self._fit(rule)
        self.sync()

    def peakmem_fit(self, backend, rule):
        self._fit(rule)

    def track_nee(self, backend, rule):
        from lsr_arrayapi._backends import to_host

        return nee(to_host(self._fit(rule).coef), np.asarray(self.problem.coef))

    track_nee.unit = "NEE"

    def track_iterations(self, backend, rule):
        return self._fit(rule).n_iter

    track_iterations.unit = "iterations"


class TuckerFit:
    """A default Gaussian S = 1 fit (the ``"als"`` schedule) of TensorLy's race problem.

    n = 2000, (10, 15, 20), ranks 2: the larger of ``python -m lsr_arrayapi.bench
    peers``'s two sizes (``WholeFit`` covers both, and 3000 x 16^3 at ranks 3);
    time, peak memory and NEE of the fit; ``track_passes_per_iteration`` counts
    the ALS passes over X per iteration (memoized sweep: 2).
    """

    params = (BACKENDS,)
    param_names = ("backend",)
    timeout = 300

    def setup(self, backend):
        to_backend, self.sync = load(backend)
        make_lsr_problem = lsr("lsr_arrayapi.data.datasets", "make_lsr_problem")
        self.InMemoryDesign = lsr("lsr_arrayapi.data.design", "InMemoryDesign")
        self.problem = make_lsr_problem(2000, separation_rank=1, random_state=0)
        self.X = to_backend(np.asarray(self.problem.X))
        self.y = to_backend(np.asarray(self.problem.y))

    def _fit(self, X, **options):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(X, self.y, ranks=2, random_state=0, **options)

    def time_fit(self, backend):
        self._fit(self.X)
        self.sync()

    def peakmem_fit(self, backend):
        self._fit(self.X)

    def track_nee(self, backend):
        from lsr_arrayapi._backends import to_host

        return nee(to_host(self._fit(self.X).coef), np.asarray(self.problem.coef))

    track_nee.unit = "NEE"

    def track_passes_per_iteration(self, backend):
        design = self.InMemoryDesign(self.X)
        start = self._fit(design, init="spectral", max_iter=0)
        before = design.passes
        self._fit(design, init=start, schedule="als", max_iter=5, tol=0.0)
        return (design.passes - before - 1) / 5  # less the warm start's forward pass

    track_passes_per_iteration.unit = "passes"
