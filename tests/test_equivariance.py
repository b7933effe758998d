"""Scale equivariance: fit(c X) is fit(X) with coefficients divided by c.

Every step size, curvature weight, stopping rule and the cold start's ridge
path are relative to the data, so rescaling X (or y, for least squares)
rescales the answer and changes nothing else.  The same holds for a gamma
response (y -> c y moves only the intercept) and for any affine map of the
covariates (their coefficients are divided by the scale).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem

#: (family, S, options): every schedule, and every built-in rule under Gauss-Seidel.
SOLVERS = [
    ("gaussian", 1, {}),  # ALS
    ("gaussian", 2, {}),  # L-BFGS
    ("logistic", 1, {}),  # L-BFGS at S = 1
    ("poisson", 2, {}),
    ("gaussian", 2, {"rule": "qr"}),
    ("gaussian", 2, {"rule": "polar"}),
    ("gaussian", 2, {"rule": "muon"}),
    ("gaussian", 2, {"rule": "randomized_polar"}),
    ("logistic", 2, {"rule": "qr"}),
    ("gaussian", 2, {"rule": "qr", "schedule": "jacobi"}),
    ("gaussian", 2, {"rule": "qr", "schedule": "als"}),
]


def _fit(X, y, family, S, options, max_iter=200):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_lsr(
            X, y, ranks=2, separation_rank=S, family=family, random_state=0, max_iter=max_iter,
            **options,
        )  # fmt: skip


#: Two fits stopped at tol=1e-6 (relative change per iteration) from paths that
#: differ by rounding agree to about 10 tol; a scale-dependent step is off by 1e-2.
AGREE = 100 * 1e-6


def _relative(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


@settings(max_examples=8, deadline=None)
@given(
    case=st.sampled_from(SOLVERS),
    exponent=st.integers(-6, 6),
    shape=st.sampled_from([(4, 5, 6), (3, 4, 5), (5, 6)]),
    seed=st.integers(0, 3),
)
def test_rescaling_x_rescales_the_coefficients(case, exponent, shape, seed):
    family, S, options = case
    problem = make_lsr_problem(
        400, sample_shape=shape, ranks=(2,) * len(shape), separation_rank=S, family=family,
        random_state=seed,
    )  # fmt: skip
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    c = 10.0**exponent
    base = _fit(X, y, family, S, options)
    # a fit that crawls to max_iter along a flat valley (logistic S = 2 with qr, seed 1 on
    # (3, 4, 5): B still moves by 3e-5 relative between 1000 and 3000 iterations) is not at
    # tolerance, so tolerance-level agreement says nothing about it; when the unscaled fit
    # converges, the scaled one must too (paths that differ by rounding take a few
    # iterations more or fewer: Gaussian S = 2 with polar, seed 0 on (3, 4, 5), converges
    # in 194 iterations and in 214 from X / 10, at the same loss to 1e-8)
    assume(base.converged)
    scaled = _fit(c * X, y, family, S, options, max_iter=2 * 200)
    assert scaled.converged
    assert _relative(c * np.asarray(scaled.coef), base.coef) < AGREE
    assert np.isclose(scaled.history["loss"][-1], base.history["loss"][-1], rtol=1e-6)


@settings(max_examples=4, deadline=None)
@given(
    case=st.sampled_from([c for c in SOLVERS if c[0] == "gaussian"]), exponent=st.integers(-6, 6)
)
def test_rescaling_y_rescales_least_squares_coefficients(case, exponent):
    _, S, options = case
    problem = make_lsr_problem(400, sample_shape=(4, 5, 6), separation_rank=S, random_state=1)
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    c = 10.0**exponent
    base = _fit(X, y, "gaussian", S, options)
    scaled = _fit(X, c * y, "gaussian", S, options)
    assert _relative(np.asarray(scaled.coef) / c, base.coef) < AGREE


def test_integer_volumes_fit_like_their_rescaled_floats():
    """Raw uint16 intensities and the same volumes divided by 65535 give one fit."""
    rng = np.random.default_rng(0)
    volumes = rng.integers(0, 65535, size=(300, 4, 5, 6), dtype=np.uint16)
    problem = make_lsr_problem(300, sample_shape=(4, 5, 6), separation_rank=2, random_state=2)
    flat = volumes.reshape(300, -1).astype(np.float64) / 65535
    y = flat @ np.asarray(problem.coef).reshape(-1) + 0.01 * rng.standard_normal(300)
    raw = _fit(volumes, y, "gaussian", 2, {})
    scaled = _fit(volumes / 65535.0, y, "gaussian", 2, {})
    assert _relative(np.asarray(raw.coef) * 65535, scaled.coef) < AGREE


@pytest.mark.filterwarnings("error::RuntimeWarning")
@settings(max_examples=8, deadline=None)
@given(
    exponent=st.one_of(st.integers(-8, 8), st.sampled_from([-300, -150, 150, 200, 300])),
    seed=st.integers(0, 3),
)
def test_rescaling_gamma_responses_only_shifts_the_intercept(exponent, seed):
    """Gamma with the log link: y -> c y is eta -> eta + log c, the same B.

    A line search whose tolerance followed the steep side of the slope accepted
    the far end of its bracket here at c = 1e8 (a converged fit predicting inf),
    ``y exp(-eta)`` overflowed at c = 1e-300 (it is ``exp(log y - eta)``), and the
    intercept's line search squared its slope (overflow from c = 1e155: it moves eta
    along a unit direction).
    """
    problem = make_lsr_problem(200, sample_shape=(3, 4, 5), family="gamma", noise=0.3,
                               random_state=seed)  # fmt: skip
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    c = 10.0**exponent
    options = {"fit_intercept": True}
    base = _fit(X, y, "gamma", 1, options)
    scaled = _fit(X, c * y, "gamma", 1, options)
    assert scaled.converged == base.converged
    assert _relative(scaled.coef, base.coef) < AGREE
    assert np.isclose(scaled.intercept - np.log(c), base.intercept, rtol=0, atol=1e-4)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("scale", [1e12, 1e20])
def test_large_gamma_responses_without_an_intercept_are_fitted_by_every_schedule(scale):
    """No intercept to absorb log c: the loss is dominated by ``c mean(y exp(-eta))``,
    whose curvature (about c) the family's expected curvature (1) does not show.
    L-BFGS's first step was then c times too long, and halving 30 times stalled it
    after one iteration from c = 1e12; it backtracks by interpolation now."""
    problem = make_lsr_problem(300, sample_shape=(4, 5, 6), family="gamma", separation_rank=1,
                               random_state=0)  # fmt: skip
    X, y = np.asarray(problem.X), scale * np.asarray(problem.y)
    fits = {
        schedule: fit_lsr(X, y, ranks=2, family="gamma", schedule=schedule, random_state=0)
        for schedule in ("lbfgs", "gauss_seidel")
    }
    assert all(fit.converged for fit in fits.values())
    losses = [fit.history["loss"][-1] for fit in fits.values()]
    assert np.isclose(*losses, rtol=1e-6)
    assert _relative(fits["lbfgs"].coef, fits["gauss_seidel"].coef) < AGREE


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_gauss_seidel_reaches_the_same_gamma_fit_at_any_large_response_scale():
    """The factor steps' first guess is about c times too long: halving 30 times per
    iteration left the factors in place for iterations, and at c = 1e100 the fit
    reported convergence at a 5 % higher loss.  Interpolated backtracking (2x to 10x
    per trial) reaches the fit of the limit problem, as at c = 1e12."""
    problem = make_lsr_problem(300, sample_shape=(4, 5, 6), family="gamma", separation_rank=1,
                               random_state=0)  # fmt: skip
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    per_scale = []
    for scale in (1e12, 1e100):
        fit = fit_lsr(X, scale * y, ranks=2, family="gamma", schedule="gauss_seidel",
                      random_state=0, max_iter=500)  # fmt: skip
        assert fit.converged
        per_scale.append(fit.history["loss"][-1] / scale)
    assert np.isclose(*per_scale, rtol=1e-6)


#: (family, noise) for the covariate tests: every built-in family with a scalar predictor
COVARIATE_FAMILIES = [("gaussian", 0.5), ("logistic", 1.0), ("poisson", 1.0), ("gamma", 0.3)]


@settings(max_examples=10, deadline=None)
@given(
    case=st.sampled_from(COVARIATE_FAMILIES),
    exponents=st.lists(st.integers(-150, 150), min_size=2, max_size=2),
    offsets=st.lists(st.sampled_from([0.0, -3.0, 1e5]), min_size=2, max_size=2),
)
def test_affine_maps_of_the_covariates_leave_the_fit_unchanged(case, exponents, offsets):
    """Z -> (Z + a) diag(c) (with an intercept) spans the same linear part: the same B and
    fitted eta, gamma divided by c, whatever the scale (1e-150 to 1e150) or offset.

    The offset is in units of the column's own spread: a column 1e5 + 1e-8 z holds z
    to 1e-3 only, and no fit recovers more of it than the data keep."""
    family, noise = case
    problem = make_lsr_problem(300, sample_shape=(3, 4, 5), family=family, noise=noise,
                               random_state=0)  # fmt: skip
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    Z = np.random.default_rng(1).standard_normal((300, 2))
    scale, offset = 10.0 ** np.asarray(exponents, float), np.asarray(offsets)

    def fit(covariates):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(X, y, ranks=2, family=family, fit_intercept=True, random_state=0,
                           max_iter=300, covariates=covariates)  # fmt: skip

    base, moved = fit(Z), fit((Z + offset) * scale)
    assert moved.converged == base.converged
    assert _relative(moved.coef, base.coef) < AGREE
    assert _relative(moved.covariate_coef * scale, base.covariate_coef) < AGREE
    assert _relative(moved.eta, base.eta) < AGREE


@pytest.mark.parametrize(
    ("family", "S", "options"),
    [
        ("logistic", 1, {"schedule": "gauss_seidel", "rule": "qr"}),
        ("poisson", 1, {"schedule": "gauss_seidel", "rule": "polar"}),
        ("poisson", 2, {}),
    ],
)
def test_far_scales_of_x_give_the_same_glm_fit(family, S, options):
    """X scaled by 1e50 (or 1e-50): the core's exact line search started at 1 / curvature
    along a unit direction, 1e49 times short of its root; 60 doublings could not reach it
    and a fit with B stuck near 0 reported convergence."""
    problem = make_lsr_problem(300, sample_shape=(3, 4, 5), ranks=(2, 2, 2), separation_rank=S,
                               family=family, random_state=1)  # fmt: skip
    X, y = np.asarray(problem.X), np.asarray(problem.y)
    options = {"fit_intercept": True, **options}
    base = _fit(X, y, family, S, options, max_iter=400)
    assert base.converged
    for c in (1e50, 1e-50):
        scaled = _fit(c * X, y, family, S, options, max_iter=400)
        assert scaled.converged
        assert _relative(c * np.asarray(scaled.coef), base.coef) < AGREE
        assert np.isclose(scaled.history["loss"][-1], base.history["loss"][-1], rtol=1e-8)


def test_counts_of_any_mean_take_first_steps_of_their_curvature():
    """Poisson counts of mean 1e9: the curvature is 1e9, and first steps guessed for a
    curvature of 1 went 1e9 times too far, so L-BFGS stalled in its first iteration; the
    default fit now reaches the loss of ALS (exact Newton blocks)."""
    problem = make_lsr_problem(300, sample_shape=(3, 4, 5), ranks=(2, 2, 2), family="poisson",
                               random_state=2)  # fmt: skip
    eta = np.asarray(problem.X).reshape(300, -1) @ np.asarray(problem.coef).ravel()
    y = np.random.default_rng(0).poisson(1e9 * np.exp(eta)).astype(float)
    fits = [_fit(problem.X, y, "poisson", 1, {"fit_intercept": True, "schedule": schedule})
            for schedule in ("auto", "als")]  # fmt: skip
    assert all(fit.converged for fit in fits)
    assert np.isclose(fits[0].history["loss"][-1], fits[1].history["loss"][-1], rtol=1e-9)


def test_a_stalled_fit_warns(monkeypatch):
    """A fit that stops before max_iter without converging says so (here a curvature
    guess of 1e-60 for counts of mean 1e9: first steps 1e69 times too long, beyond
    what 30 backtracks of at most tenfold each recover)."""
    from sklearn.exceptions import ConvergenceWarning

    from lsr_arrayapi.solvers.state import FitState

    monkeypatch.setattr(FitState, "curvature", property(lambda self: 1e-60))
    problem = make_lsr_problem(300, sample_shape=(3, 4, 5), ranks=(2, 2, 2), family="poisson",
                               random_state=2)  # fmt: skip
    eta = np.asarray(problem.X).reshape(300, -1) @ np.asarray(problem.coef).ravel()
    y = np.random.default_rng(0).poisson(1e9 * np.exp(eta)).astype(float)
    with pytest.warns(ConvergenceWarning, match="stopped after .* without converging"):
        fit = fit_lsr(problem.X, y, ranks=2, family="poisson", fit_intercept=True)
    assert not fit.converged and fit.n_iter < 200
