"""The block-coordinate solver: recovery, GLM accuracy, backends, devices, controls."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend, tolerance
from helpers import fits_by_schedule, orthonormality_error, problem_on
from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.data.design import _CHUNK_ELEMENTS
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.solvers.alternating import MEMO_FRACTION

SMALL = {"sample_shape": (6, 7, 8), "ranks": (2, 2, 2)}


def test_noiseless_tucker_recovery_from_default_start(backend, dtype):
    p = problem_on(
        backend, dtype, n_samples=300, separation_rank=1, noise=0.0, random_state=0, **SMALL
    )
    fit = fit_lsr(p.X, p.y, ranks=(2, 2, 2), random_state=0)
    assert fit.converged
    assert nee(fit.coef, p.coef) < 1e-3
    # the fit stays in X's namespace, dtype and device
    assert type(fit.coef) is type(p.X)
    assert fit.coef.dtype == p.X.dtype
    assert backend.to_numpy(fit.core).shape == (2, 2, 2)
    for W in fit.factors[0]:
        assert orthonormality_error(backend.to_numpy(W)) < tolerance(dtype, 1e-12, 1e-5)


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
def test_noiseless_s2_recovery_from_warm_start(backend_name):
    # 0.02 per entry: at the paper's 0.1 this small problem has a spurious
    # stationary point (gradient 1e-7, NEE 0.115) within reach of the start.
    backend = load_backend(backend_name)
    p = problem_on(backend, n_samples=400, separation_rank=2, noise=0.0, random_state=1, **SMALL)
    rng = np.random.default_rng(0)
    near = {
        "core": backend.to_numpy(p.core) + 0.02 * rng.standard_normal((2, 2, 2)),
        "factors": [
            [
                np.linalg.qr(backend.to_numpy(f) + 0.02 * rng.standard_normal(f.shape))[0]
                for f in term
            ]
            for term in p.factors
        ],
    }
    fit = fit_lsr(p.X, p.y, ranks=(2, 2, 2), separation_rank=2, init=near, max_iter=500)
    assert nee(fit.coef, p.coef) < 1e-3


@pytest.mark.parametrize("family, n", [("logistic", 3000), ("poisson", 1500), ("gamma", 1500)])
def test_glm_default_start_reaches_truth_started_accuracy(family, n):
    p = make_lsr_problem(n, family=family, separation_rank=1, random_state=2, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = fit_lsr(
            p.X, p.y, ranks=(2, 2, 2), family=family, init=p, max_iter=2000, tol=1e-9
        )
        fit = fit_lsr(p.X, p.y, ranks=(2, 2, 2), family=family, random_state=0, max_iter=500)
    assert nee(fit.coef, p.coef) <= 1.5 * nee(reference.coef, p.coef)
    best = reference.history["loss"][-1]
    assert fit.history["loss"][-1] <= best + 1e-3 * abs(best)


@pytest.mark.parametrize("rule", ["qr", "muon"])
@pytest.mark.parametrize("family", ["gaussian", "logistic", "poisson", "gamma"])
def test_same_seed_same_fit_on_every_cpu_backend(family, rule):
    results = []
    for name in CPU_BACKENDS:
        backend = load_backend(name)
        p = problem_on(
            backend, n_samples=400, family=family, separation_rank=2, random_state=3, **SMALL
        )
        fit = fit_lsr(
            p.X, p.y, ranks=(2, 2, 2), separation_rank=2, family=family, rule=rule,
            max_iter=15, random_state=7, fit_intercept=True, init="random",
        )  # fmt: skip
        results.append(backend.to_numpy(fit.coef))
    for other in results[1:]:
        np.testing.assert_allclose(other, results[0], rtol=1e-7, atol=1e-9)


def test_float32_and_float64_agree():
    backend = load_backend("numpy")
    fits = []
    for dtype in ("float64", "float32"):
        p = problem_on(backend, dtype, n_samples=300, separation_rank=1, random_state=4, **SMALL)
        fits.append(backend.to_numpy(fit_lsr(p.X, p.y, ranks=2, max_iter=300).coef))
    np.testing.assert_allclose(fits[1], fits[0], atol=2e-4)


def test_history_callback_and_early_stop():
    p = make_lsr_problem(200, separation_rank=1, random_state=5, **SMALL)
    seen = []

    def stop_at_three(iteration, state):
        seen.append((iteration, state.history["loss"][-1]))
        return iteration == 3

    fit = fit_lsr(p.X, p.y, ranks=2, callback=stop_at_three, init="random", random_state=0)
    assert fit.n_iter == 3 and [i for i, _ in seen] == [1, 2, 3]
    assert len(fit.history["loss"]) == len(fit.history["time"]) == 4
    assert all(
        b <= a + 1e-12
        for a, b in zip(fit.history["loss"][:-1], fit.history["loss"][1:], strict=True)
    )
    assert np.all(np.diff(fit.history["time"]) >= 0)


def test_a_callback_stop_ends_the_cold_start_too():
    """At small n the lift runs one fit per Tucker candidate; the callback sees each
    (iteration from 1), and a stop returns the stopped fit, with no further candidates."""
    p = make_lsr_problem(150, separation_rank=2, random_state=5, **SMALL)
    seen = []

    def record(iteration, state):
        seen.append(iteration)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_lsr(p.X, p.y, ranks=2, separation_rank=2, max_iter=4, callback=record, random_state=0)
        assert seen.count(1) >= 2  # several candidate fits, each counted from 1
        seen.clear()
        fit = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, max_iter=4, random_state=0,
                      callback=lambda i, state: record(i, state) or i == 2)  # fmt: skip
    assert seen == [1, 2] and fit.n_iter == 2 and len(fit.history["loss"]) == 3


def test_max_iter_zero_returns_the_start_and_nonconvergence_warns():
    p = make_lsr_problem(200, separation_rank=1, random_state=6, **SMALL)
    fit = fit_lsr(p.X, p.y, ranks=2, max_iter=0)
    assert fit.n_iter == 0 and not fit.converged
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = fit_lsr(p.X, p.y, ranks=2, max_iter=2, init="random", random_state=0)
    assert not fit.converged


def test_too_large_fixed_step_raises_instead_of_returning_nan():
    p = make_lsr_problem(200, family="poisson", separation_rank=1, random_state=7, **SMALL)
    with pytest.raises(FloatingPointError, match="diverged"):
        fit_lsr(p.X, p.y, ranks=2, family="poisson", lr=50.0, max_iter=50)


def test_intercept_recovers_a_shift():
    p = make_lsr_problem(300, separation_rank=1, noise=0.0, random_state=8, **SMALL)
    fit = fit_lsr(p.X, np.asarray(p.y) + 3.0, ranks=2, fit_intercept=True)
    assert fit.intercept == pytest.approx(3.0, abs=1e-4)
    assert nee(fit.coef, p.coef) < 1e-3


def test_integer_sample_weights_equal_repeated_samples():
    p = make_lsr_problem(120, separation_rank=1, random_state=9, **SMALL)
    X, y = np.asarray(p.X), np.asarray(p.y)
    counts = np.random.default_rng(0).integers(1, 4, size=120)
    weighted = fit_lsr(
        X, y, ranks=2, sample_weight=counts, init="random", random_state=1, max_iter=30
    )
    repeated = fit_lsr(
        np.repeat(X, counts, axis=0),
        np.repeat(y, counts),
        ranks=2,
        init="random",
        random_state=1,
        max_iter=30,
    )
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-8)


def test_ridge_penalty_shrinks_the_coefficient():
    p = make_lsr_problem(150, separation_rank=1, random_state=10, **SMALL)
    norms = [
        np.linalg.norm(fit_lsr(p.X, p.y, ranks=2, alpha=alpha, random_state=0).coef)
        for alpha in (0.0, 1.0, 10.0)
    ]
    assert norms[0] > norms[1] > norms[2]


def test_fixed_step_is_the_papers_plain_iteration():
    """lr=float takes exactly one step per block (no line search): the same path on every run."""
    p = make_lsr_problem(300, separation_rank=2, random_state=11, **SMALL)
    a = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, lr=0.5, init=p, max_iter=5)
    b = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, lr=0.25, init=p, max_iter=5)
    assert not np.allclose(a.coef, b.coef)
    assert a.history["loss"][-1] < a.history["loss"][0]


@pytest.mark.parametrize("rule", ["qr", "muon"])
def test_jacobi_schedule_recovers_and_never_increases_the_loss(rule):
    p = make_lsr_problem(300, separation_rank=1, noise=0.0, random_state=12, **SMALL)
    fit = fit_lsr(
        p.X, p.y, ranks=2, rule=rule, schedule="jacobi", init="random", random_state=0, max_iter=500
    )
    assert nee(fit.coef, p.coef) < 1e-3
    losses = fit.history["loss"]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
def test_lbfgs_schedule_recovers_and_never_increases_the_loss(backend_name):
    backend = load_backend(backend_name)
    p = problem_on(backend, n_samples=400, separation_rank=2, noise=0.0, random_state=13, **SMALL)
    fit = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, schedule="lbfgs", init=p, max_iter=500)
    assert nee(fit.coef, p.coef) < 1e-6
    losses = fit.history["loss"]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(losses))
    for term in fit.factors:
        for W in term:
            assert orthonormality_error(backend.to_numpy(W)) < 1e-12


@pytest.mark.parametrize("family, n", [("logistic", 3000), ("poisson", 1500), ("gamma", 1500)])
def test_lbfgs_reaches_the_same_fit_as_gauss_seidel(family, n):
    p = make_lsr_problem(n, family=family, separation_rank=2, random_state=14, **SMALL)
    start = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, family=family, max_iter=0, random_state=0)
    fits = fits_by_schedule(
        p, ("gauss_seidel", "lbfgs"), ranks=2, separation_rank=2, family=family, init=start,
        max_iter=1000, tol=1e-9,
    )  # fmt: skip
    assert fits[1].history["loss"][-1] <= fits[0].history["loss"][-1] + 1e-9
    np.testing.assert_allclose(fits[1].coef, fits[0].coef, atol=1e-4 * np.abs(fits[0].coef).max())


@pytest.mark.parametrize(
    ("schedule", "S"), [("gauss_seidel", 2), ("jacobi", 2), ("lbfgs", 2), ("als", 2), ("als", 1)]
)
def test_fit_allocates_no_copy_of_x(schedule, S):
    """Peak NumPy allocations during a fit (validation included) stay O(D + n), far below X.

    ALS keeps its partial contraction (10 % of X at S = 1, 20 % at S = 2; at most
    ``MEMO_FRACTION``).
    """
    tracemalloc = pytest.importorskip("tracemalloc")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((800, 20, 20, 20))  # 51 MB
    y = rng.standard_normal(800)
    tracemalloc.start()
    try:
        fit_lsr(
            X, y, ranks=2, separation_rank=S, schedule=schedule, init="random", max_iter=3, tol=0.0
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the "als" schedule keeps one partial contraction of X (10 % / 20 %, under
    # alternating.MEMO_FRACTION) and takes X in chunks with temporaries of a fixed
    # size (design._CHUNK_ELEMENTS)
    partial = {1: 0.10, 2: 0.20}[S]
    assert partial <= MEMO_FRACTION
    budget = X.nbytes / 20 + (partial * X.nbytes if schedule == "als" else 0)
    budget += 2 * _CHUNK_ELEMENTS * X.itemsize if schedule == "als" else 0
    assert peak < budget, f"peak {peak / 2**20:.1f} MiB for X of {X.nbytes / 2**20:.1f} MiB"


def test_no_more_samples_than_the_model_dimension_warns():
    # (6, 7, 8), ranks 2, S = 2: core 8 + first factors sum r (d - r) = 30
    # + second factors sum (d r - r (r + 1) / 2) = 33, a model of dimension 71
    def dimension_warnings(n, **options):
        problem = make_lsr_problem(n, sample_shape=(6, 7, 8), random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, max_iter=2, init="random",
                    **options)  # fmt: skip
        return [str(w.message) for w in caught if "model of dimension" in str(w.message)]

    assert dimension_warnings(60) == [
        "60 samples for a model of dimension 71: the unpenalized maximum-likelihood fit "
        "interpolates the data or is not unique; use smaller ranks or separation_rank, or a "
        "ridge penalty alpha > 0 chosen by cross-validation"
    ]
    assert dimension_warnings(71) != []
    assert dimension_warnings(72) == []
    assert dimension_warnings(60, alpha=0.1) == []
