"""The cold start: its batched core split (exact sweeps over many restarts at once), and
the default start end to end."""

from __future__ import annotations

import array_api_compat.numpy as xp
import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import orthonormality_error

from lsr_arrayapi import fit_lsr
from lsr_arrayapi._backends import host_rng
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.linalg.tensor import lsr_tensor
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.starts.core_split import split_core
from lsr_arrayapi.starts.lack_of_fit import StartWarning


def _decomposable(rng: np.random.Generator, shape, ranks, S):
    core = rng.standard_normal(ranks)
    factors = [
        [np.linalg.qr(rng.standard_normal((q, r)))[0] for q, r in zip(shape, ranks, strict=True)]
        for _ in range(S)
    ]
    return lsr_tensor(core, factors)


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
def test_split_core_recovers_an_exact_lsr_tensor(backend_name):
    backend = load_backend(backend_name)
    target = _decomposable(np.random.default_rng(0), (4, 4, 4), (2, 2, 2), 2)
    core, factors, residuals = split_core(
        backend.asarray(target),
        (2, 2, 2),
        2,
        restarts=32,
        sweeps=300,
        rng=host_rng(0),
        xp=backend.xp,
    )
    residuals = backend.to_numpy(residuals)
    assert residuals.shape == (32,)
    assert np.all(np.diff(residuals) >= 0)  # best first
    assert residuals[0] < 1e-8  # relative squared residual: sweeps stop once the best two settle
    best = lsr_tensor(
        backend.to_numpy(core)[0], [[backend.to_numpy(f)[0] for f in term] for term in factors]
    )
    np.testing.assert_allclose(best, target, atol=1e-4 * np.abs(target).max())
    for term in factors:
        for batch in term:
            for W in backend.to_numpy(batch):
                assert orthonormality_error(W) < 1e-12


@pytest.mark.parametrize(
    "shape, ranks, S", [((4, 6, 4), (2, 3, 2), 2), ((6, 6, 6), (2, 2, 2), 3), ((6, 6), (3, 3), 2)]
)
def test_residual_matches_its_factors_and_more_sweeps_never_hurt(shape, ranks, S):
    rng = np.random.default_rng(1)
    target = _decomposable(rng, shape, ranks, S) + 0.01 * rng.standard_normal(shape)
    runs = [
        split_core(target, ranks, S, restarts=8, sweeps=sweeps, rng=host_rng(3), xp=xp)
        for sweeps in (5, 50)
    ]
    for core, factors, residuals in runs:
        for i in range(8):
            fitted = lsr_tensor(core[i], [[f[i] for f in term] for term in factors])
            relative = np.sum((target - fitted) ** 2) / np.sum(target**2)
            assert relative == pytest.approx(residuals[i], rel=1e-9, abs=1e-15)
    # the same starts (same seed): each restart's residual only goes down with sweeps
    assert sorted(runs[1][2])[0] <= sorted(runs[0][2])[0] + 1e-15
    assert np.sum(runs[1][2]) <= np.sum(runs[0][2]) + 1e-12


@pytest.mark.parametrize("seed", range(10))
def test_default_start_recovers_a_noiseless_s2_model(seed):
    """No truth given, every seed reaches NEE < 1e-3."""
    p = make_lsr_problem(
        400, sample_shape=(6, 7, 8), ranks=(2, 2, 2), separation_rank=2, noise=0.0,
        random_state=seed,
    )  # fmt: skip
    fit = fit_lsr(p.X, p.y, ranks=2, separation_rank=2, random_state=seed, max_iter=500)
    assert nee(fit.coef, p.coef) < 1e-3


@pytest.mark.parametrize(("family", "als_passes"), [("gaussian", True), ("logistic", False)])
def test_the_tucker_stage_uses_the_automatic_s1_schedule(monkeypatch, family, als_passes):
    """ALS (``project`` passes) for least squares only: a GLM's ALS sweep costs K + 1
    passes and several Newton steps per block, so its screens run L-BFGS too."""
    from lsr_arrayapi.data.design import InMemoryDesign

    projections = []
    project = InMemoryDesign.project
    monkeypatch.setattr(
        InMemoryDesign,
        "project",
        lambda self, *args, **kwargs: projections.append(1) or project(self, *args, **kwargs),
    )
    p = make_lsr_problem(600, sample_shape=(6, 7, 8), family=family, random_state=0)
    fit_lsr(p.X, p.y, ranks=2, separation_rank=2, family=family, random_state=0, max_iter=5)
    assert bool(projections) == als_passes


def test_the_lift_refines_one_of_two_splits_of_the_same_tensor():
    from lsr_arrayapi.starts.lift import SAME_SPLIT_RTOL, distinct_splits

    rng = np.random.default_rng(0)
    ranks, S = (2, 2, 2), 2
    core = rng.standard_normal((3, *ranks))
    factors = [[rng.standard_normal((3, 4, 2)) for _ in ranks] for _ in range(S)]
    for term in factors:  # split 1 is split 0 up to a perturbation well inside the tolerance
        for f in term:
            f[1] = f[0] + 1e-3 * SAME_SPLIT_RTOL * rng.standard_normal(f[0].shape)
    core[1] = core[0]
    assert distinct_splits(xp.asarray(core), factors, 3, SAME_SPLIT_RTOL) == [0, 2]
    assert distinct_splits(xp.asarray(core), factors, 1, SAME_SPLIT_RTOL) == [0]
    factors[0][0][1] += 1.0  # now a different tensor
    assert distinct_splits(xp.asarray(core), factors, 3, SAME_SPLIT_RTOL) == [0, 1, 2]


@pytest.mark.parametrize(
    ("n", "shape", "ranks", "second"),
    [
        (500, (10, 15, 20), (2, 2, 2), False),  # checked by the lack-of-fit statistic
        (300, (10, 15, 20), (2, 2, 2), True),  # small n
        (5000, (20, 25), (3, 3), True),  # K = 2: LSR covers its Tucker model at any n
    ],
)
def test_a_second_tucker_candidate_where_no_statistic_can_check_the_start(n, shape, ranks, second):
    from lsr_arrayapi.data.design import InMemoryDesign
    from lsr_arrayapi.families import Gaussian
    from lsr_arrayapi.objective import Objective
    from lsr_arrayapi.starts.base import StartProblem
    from lsr_arrayapi.starts.lift import Lift

    objective = Objective(Gaussian(), np.zeros(n), None, 0.0)  # n counts: no sample weights
    problem = StartProblem(
        design=InMemoryDesign(np.zeros((n, *shape))), objective=objective, ranks=ranks, S=2,
        rng=host_rng(0), fit_intercept=True, n_init=2, covariates=None,
    )  # fmt: skip
    assert Lift().needs_second_candidate(problem) is second


@pytest.mark.parametrize(
    ("n", "seed"),
    [
        (560, 7),  # the screened fit is stuck 1.5 % above the maximum-likelihood fit
        (600, 4),  # the spectral screen (and the ridge path from it) end 1 % above another
    ],
)
def test_k2_stuck_tucker_fit_is_found_by_the_second_candidate(n, seed):
    """Seeds of the K = 2 setting where the best screened rank-6 Tucker fit (and the LSR
    fit lifted from it, at the same loss) is stuck above a better optimum: the second
    candidate finds it, and the warning says that the two disagreed."""
    problem = make_lsr_problem(
        n, sample_shape=(20, 25), ranks=(3, 3), separation_rank=2, random_state=1000 + seed
    )
    options = {"ranks": (3, 3), "separation_rank": 2, "random_state": seed}
    truth_started = fit_lsr(problem.X, problem.y, init=problem, tol=1e-9, max_iter=2000, **options)
    with pytest.warns(StartWarning, match="two independent starts"):
        fit = fit_lsr(problem.X, problem.y, **options)
    best = truth_started.history["loss"][-1]
    assert fit.history["loss"][-1] <= best * (1 + 1e-6)
