"""The ``"als"`` schedule: block designs from ``Design.project``, Newton and rule inner steps."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import fits_by_schedule, orthonormality_error, problem_on
from hypothesis import given
from hypothesis import strategies as st

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.linalg.tensor import multi_mode_product
from lsr_arrayapi.metrics import nee

SMALL = {"sample_shape": (6, 7, 8), "ranks": (2, 2, 2)}


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@given(data=st.data())
def test_project_equals_per_sample_mode_products(backend_name, data):
    backend = load_backend(backend_name)
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    keep = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    keep[data.draw(st.integers(0, len(shape) - 1))] = False  # at least one contraction
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    X = rng.standard_normal((data.draw(st.integers(1, 6)), *shape))
    matrices = [
        None if k else rng.standard_normal((d, rng.integers(1, 4)))
        for d, k in zip(shape, keep, strict=True)
    ]
    expected = np.stack([multi_mode_product(x, matrices, transpose=True) for x in X])
    design = InMemoryDesign(backend.asarray(X))
    got = design.project([None if m is None else backend.asarray(m) for m in matrices])
    np.testing.assert_allclose(backend.to_numpy(got), expected, atol=1e-12)
    assert design.passes == 1


def test_project_takes_x_in_chunks(monkeypatch):
    import lsr_arrayapi.data.design as design_module

    rng = np.random.default_rng(0)
    X = rng.standard_normal((11, 3, 4, 5))
    matrices = [rng.standard_normal((3, 2)), None, rng.standard_normal((5, 2))]
    whole = InMemoryDesign(X).project(matrices)
    monkeypatch.setattr(design_module, "_CHUNK_ELEMENTS", 2 * 60)  # two samples per chunk
    np.testing.assert_allclose(InMemoryDesign(X).project(matrices), whole, atol=1e-12)


def test_project_needs_a_matrix():
    with pytest.raises(ValueError, match="at least one matrix"):
        InMemoryDesign(np.zeros((2, 3, 3))).project([None, None])


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("S", [1, 2])
def test_als_never_increases_the_loss_and_keeps_factors_orthonormal(backend_name, S):
    backend = load_backend(backend_name)
    p = problem_on(backend, n_samples=500, separation_rank=S, random_state=5, **SMALL)
    fit = fit_lsr(
        p.X, p.y, ranks=2, separation_rank=S, schedule="als", init="random", random_state=0,
        max_iter=40,
    )  # fmt: skip
    losses = fit.history["loss"]
    assert all(b <= a + 1e-12 * abs(a) for a, b in itertools.pairwise(losses))
    assert losses[-1] < 0.5 * losses[0]
    for term in fit.factors:
        for W in term:
            assert orthonormality_error(backend.to_numpy(W)) < 1e-12
    assert type(fit.coef) is type(p.X)


def test_als_solves_noiseless_tucker_in_a_few_iterations():
    """ALS is exact per block for least squares: far fewer iterations than Gauss-Seidel."""
    p = make_lsr_problem(400, separation_rank=1, noise=0.0, random_state=6, **SMALL)
    fits = {
        schedule: fit_lsr(
            p.X, p.y, ranks=2, schedule=schedule, init="spectral", tol=1e-10, max_iter=2000
        )
        for schedule in ("als", "gauss_seidel")
    }
    assert nee(fits["als"].coef, p.coef) < 1e-8
    assert fits["als"].n_iter <= 15 < fits["gauss_seidel"].n_iter


@pytest.mark.parametrize(
    "family, n, S, options",
    [
        ("gaussian", 600, 1, {"alpha": 0.01}),
        ("logistic", 3000, 1, {"fit_intercept": True}),
        ("poisson", 1500, 1, {}),
        ("gaussian", 600, 2, {"alpha": 0.01}),
        ("logistic", 3000, 2, {}),
        ("poisson", 1500, 2, {"fit_intercept": True}),
    ],
)
def test_als_reaches_the_same_fit_as_gauss_seidel(family, n, S, options):
    p = make_lsr_problem(n, family=family, separation_rank=S, random_state=7, **SMALL)
    fits = fits_by_schedule(
        p, ("gauss_seidel", "als"), ranks=2, separation_rank=S, family=family, init=p,
        max_iter=3000, tol=1e-10, **options,
    )  # fmt: skip
    gs, als = (fit.history["loss"][-1] for fit in fits)
    assert als <= gs + 1e-9 * abs(gs)
    scale = np.abs(fits[0].coef).max()
    np.testing.assert_allclose(fits[1].coef, fits[0].coef, atol=1e-4 * scale)
    np.testing.assert_allclose(fits[1].intercept, fits[0].intercept, atol=1e-4)


def test_auto_schedule_follows_the_rule_argument():
    """No rule: ALS for Gaussian S = 1, otherwise L-BFGS; a named rule: Gauss-Seidel with it."""
    p = make_lsr_problem(300, separation_rank=1, random_state=8, **SMALL)
    options = {"ranks": 2, "init": "spectral", "max_iter": 5, "tol": 0.0}

    def same(a: dict, b: dict, y=p.y) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first, second = fit_lsr(p.X, y, **options, **a), fit_lsr(p.X, y, **options, **b)
        np.testing.assert_array_equal(first.coef, second.coef)

    same({}, {"schedule": "als"})
    same({"separation_rank": 2}, {"separation_rank": 2, "schedule": "lbfgs"})
    labels = (p.y > np.median(p.y)) * 1.0
    same({"family": "logistic"}, {"family": "logistic", "schedule": "lbfgs"}, labels)
    same({"rule": "qr"}, {"rule": "qr", "schedule": "gauss_seidel"})
    same({"rule": "muon", "separation_rank": 2}, {"rule": "muon", "separation_rank": 2,
                                                  "schedule": "gauss_seidel"})  # fmt: skip
    same({"lr": 0.01}, {"lr": 0.01, "schedule": "gauss_seidel"})


def test_als_rejects_fixed_steps_and_designs_without_project():
    p = make_lsr_problem(50, random_state=0, **SMALL)
    with pytest.raises(ValueError, match="does not use lr"):
        fit_lsr(p.X, p.y, ranks=2, schedule="als", lr=0.1)

    class Plain:  # forward/adjoint/squared_norms only
        def __init__(self, design):
            self._d = design
            self.n_samples, self.sample_shape = design.n_samples, design.sample_shape
            self.dtype, self.device = design.dtype, design.device
            self.forward, self.adjoint = design.forward, design.adjoint
            self.squared_norms = design.squared_norms

    plain = Plain(InMemoryDesign(p.X))
    with pytest.raises(ValueError, match="project"):
        fit_lsr(plain, p.y, ranks=2, schedule="als", init="random")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_lsr(plain, p.y, ranks=2, init="spectral", max_iter=3)  # auto falls back
        lifted = fit_lsr(plain, p.y, ranks=2, separation_rank=2, max_iter=3)  # so does the start
    assert fit.n_iter == 3 and lifted.n_iter == 3


@pytest.mark.parametrize(
    ("shape", "S", "family"),
    [
        ((6, 7, 8), 1, "gaussian"),
        ((6, 7, 8), 2, "gaussian"),
        ((6, 7), 2, "gaussian"),
        ((5, 6, 4, 3), 1, "gaussian"),
        ((6, 7, 8), 1, "logistic"),
    ],
)
def test_memoized_sweep_matches_one_pass_per_mode_in_two_passes(monkeypatch, shape, S, family):
    """Same iterates with and without the kept partial contraction; 2 passes vs K + 1."""
    import lsr_arrayapi.solvers.alternating as alternating

    ranks = (2,) * len(shape)
    p = make_lsr_problem(
        300, sample_shape=shape, ranks=ranks, separation_rank=S, family=family, random_state=1
    )
    options = {"ranks": 2, "separation_rank": S, "family": family, "schedule": "als"}
    fits, passes = [], []
    for fraction in (1.0, 0.0):
        monkeypatch.setattr(alternating, "MEMO_FRACTION", fraction)
        design = InMemoryDesign(p.X)
        assert (alternating.memo_split(design, ranks, S) is None) == (fraction == 0.0)
        start = fit_lsr(design, p.y, init="random", random_state=0, max_iter=0, **options)
        before = design.passes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 4 sweeps with tol 0 do not converge
            fits.append(fit_lsr(design, p.y, init=start, max_iter=4, tol=0.0, **options))
        passes.append(design.passes - before)
    np.testing.assert_allclose(fits[0].coef, fits[1].coef, atol=1e-10 * np.abs(fits[1].coef).max())
    K = len(shape)
    assert passes == [1 + 2 * 4, 1 + (K + 1) * 4]  # the warm start's forward pass, then 4 sweeps


@pytest.mark.parametrize(("schedule", "S"), [("als", 1), ("lbfgs", 2), ("gauss_seidel", 1)])
def test_the_finiteness_check_is_the_squared_norms_pass(monkeypatch, schedule, S):
    """Validation, the scale check and the first step size share one pass over X."""
    import lsr_arrayapi.validation as validation

    exact_checks = []
    monkeypatch.setattr(validation, "_all_finite", lambda *a: exact_checks.append(1) or True)
    calls = []
    squared_norms = InMemoryDesign._compute_squared_norms
    monkeypatch.setattr(
        InMemoryDesign,
        "_compute_squared_norms",
        lambda self: calls.append(1) or squared_norms(self),
    )
    p = make_lsr_problem(300, **SMALL, separation_rank=S, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_lsr(p.X, p.y, ranks=2, separation_rank=S, schedule=schedule, init="spectral",
                max_iter=3, random_state=0)  # fmt: skip
    assert calls == [1]
    assert not exact_checks  # only X with NaN, infinity or overflow is checked entry-wise
