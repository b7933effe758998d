"""Fits that are not the maximum-likelihood answer never pass silently.

Bad scales raise before the fit; separation, cancelling terms and small-n
starts that cannot be checked warn; the overfit warning fires only where the
maximum-likelihood fit itself is not determined.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi import StartWarning, fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem


@pytest.fixture(scope="module")
def small():
    problem = make_lsr_problem(200, sample_shape=(4, 5, 6), separation_rank=2, random_state=0)
    return np.asarray(problem.X), np.asarray(problem.y)


@pytest.mark.parametrize(
    "transform, message",
    [
        (lambda X, y: (X * 1e160, y), "X is too large"),
        (lambda X, y: (X.astype(np.float32) * 1e20, y), "X is too large for its dtype float32"),
        (lambda X, y: (X * 1e-200, y), "underflow"),
        (lambda X, y: (X * 1e-150, y), "X's entries are too small"),
        (lambda X, y: (X, y * 1e200), "y is too large"),
        (lambda X, y: (X, y * 1e-160), "y's values are too small"),
        (lambda X, y: (X, y * 1e-200), "y's values are too small"),  # every square is 0
        (lambda X, y: (np.zeros_like(X), y), "X is all zeros"),
        (lambda X, y: (X * 1e-140, y * 1e140), "the coefficients for this X and y"),
    ],
)
@pytest.mark.filterwarnings("error::RuntimeWarning")  # the library's error, not NumPy's
def test_data_out_of_float_range_raise_a_clear_error(small, transform, message):
    X, y = transform(*small)
    with pytest.raises(ValueError, match=message):
        fit_lsr(X, y, ranks=2, separation_rank=2)


def test_huge_sample_weights_fit_like_unit_weights(small):
    X, y = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unit = fit_lsr(X, y, ranks=2, random_state=0, sample_weight=np.ones(len(y)))
        huge = fit_lsr(X, y, ranks=2, random_state=0, sample_weight=np.full(len(y), 1e308))
    np.testing.assert_allclose(np.asarray(huge.coef), np.asarray(unit.coef), rtol=1e-10)


def test_separable_labels_warn_and_are_not_converged():
    problem = make_lsr_problem(
        40, sample_shape=(4, 5, 6), separation_rank=1, family="logistic", random_state=1
    )
    with pytest.warns(ConvergenceWarning, match="separated"):
        fit = fit_lsr(problem.X, problem.y, ranks=2, family="logistic", fit_intercept=True)
    assert not fit.converged


@pytest.mark.parametrize(("family", "value"), [("logistic", 1.0), ("poisson", 0.0)])
def test_a_response_at_the_boundary_is_not_a_converged_fit(family, value):
    """Every label 1 (every count 0): B = 0 and the intercept runs to infinity; the fit
    warns and does not report convergence."""
    X = np.random.default_rng(0).standard_normal((80, 2, 3))
    with pytest.warns(ConvergenceWarning, match="separated"):
        fit = fit_lsr(X, np.full(80, value), ranks=1, family=family, fit_intercept=True)
    assert not fit.converged
    # the intercept is not penalized: a ridge penalty leaves it at the boundary too (this
    # fit was reported converged, silently, with intercept -1024 for zero counts)
    with pytest.warns(ConvergenceWarning, match="grows without bound whatever alpha is"):
        fit = fit_lsr(X, np.full(80, value), ranks=1, family=family, fit_intercept=True,
                      alpha=0.1)  # fmt: skip
    assert not fit.converged


def test_a_well_posed_logistic_fit_does_not_warn_of_separation():
    problem = make_lsr_problem(
        3000, sample_shape=(4, 5, 6), separation_rank=1, family="logistic", random_state=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = fit_lsr(problem.X, problem.y, ranks=2, family="logistic", random_state=0)
    assert fit.converged


def test_cancelling_terms_warn():
    """A logistic S = 2 sample whose fit drives the two terms together (core norm grows)."""
    problem = make_lsr_problem(
        400, sample_shape=(4, 5, 6), separation_rank=2, family="logistic", random_state=2
    )
    with pytest.warns(ConvergenceWarning, match="nearly cancel"):
        fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, family="logistic", random_state=2)


def test_a_start_that_cannot_be_checked_warns():
    """Paper shape, n = 200: the Tucker stage has 196 parameters, the check is noise."""
    problem = make_lsr_problem(200, random_state=1000)
    with pytest.warns(StartWarning, match="cannot be checked"):
        fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, random_state=0, max_iter=30)


def test_overfit_warning_only_when_n_does_not_exceed_the_model_dimension():
    """The paper's model has dimension 167: n = 300 is well determined, n = 160 is not."""
    problem = make_lsr_problem(300, random_state=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, init="spectral", max_iter=5)
    assert not any("interpolates" in str(w.message) for w in caught)
    with pytest.warns(UserWarning, match="model of dimension 167"):
        fit_lsr(
            problem.X[:160], problem.y[:160], ranks=2, separation_rank=2, init="spectral",
            max_iter=5,
        )  # fmt: skip


def test_the_small_n_start_reaches_the_oracle_where_the_screens_are_stuck():
    """Paper shape, n = 300: the screened Tucker fits are spurious on this sample, and the
    default start still reaches the fit started at the truth."""
    problem = make_lsr_problem(300, random_state=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, random_state=0)
        warm = fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, init=problem)
        oracle = fit_lsr(
            problem.X, problem.y, ranks=2, separation_rank=2, init=warm, max_iter=3000, tol=1e-10
        )
    assert cold.history["loss"][-1] <= oracle.history["loss"][-1] * (1 + 1e-6)


def test_zero_weight_samples_do_not_count_as_samples():
    """Weights 1 on 200 samples and 0 on the rest: the checks see the 200, as for X[:200]."""
    problem = make_lsr_problem(600, random_state=1000)
    weights = np.where(np.arange(600) < 200, 1.0, 0.0)
    with pytest.warns(StartWarning, match="200 samples leave too few"):
        fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, random_state=0, max_iter=30,
                sample_weight=weights)  # fmt: skip
    with pytest.warns(UserWarning, match="160 samples of positive weight for a model of dim"):
        fit_lsr(problem.X, problem.y, ranks=2, separation_rank=2, init="spectral", max_iter=5,
                sample_weight=np.where(np.arange(600) < 160, 2.0, 0.0))  # fmt: skip


def test_a_zero_fit_warns_only_where_the_gradient_there_is_above_rounding():
    problem = make_lsr_problem(300, sample_shape=(6, 7, 8), random_state=0)
    X, y = problem.X, problem.y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = fit_lsr(X, y, ranks=2, max_iter=1)
    zero = {"core": np.zeros_like(np.asarray(start.core)), "factors": start.factors}
    with pytest.warns(ConvergenceWarning, match="ended at B = 0 although the loss decreases"):
        assert not fit_lsr(X, y, ranks=2, init=zero, max_iter=0).converged
    # B = 0 is the optimum: identical samples (the intercept fits the mean), or a ridge
    # penalty so strong that the penalized optimum rounds to 0
    for data, options in [(np.repeat(X[:1], 300, axis=0), {"fit_intercept": True}),
                          (X, {"alpha": 1e300})]:  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            fit = fit_lsr(data, y, ranks=2, **options)
        assert fit.converged and float(np.linalg.norm(np.asarray(fit.coef))) == 0.0
