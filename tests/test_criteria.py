"""Information criteria of the estimators: n_params_, log-likelihood, AIC and BIC."""

import math
import warnings

import numpy as np
import pytest

from lsr_arrayapi import LSRClassifier, LSRPoissonRegressor, LSRRegressor
from lsr_arrayapi.data.datasets import make_lsr_problem

SHAPE = (6, 7, 8)


def _quiet(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y)


def test_n_params_is_the_manifold_dimension_plus_the_intercept():
    p = make_lsr_problem(
        300, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=2, random_state=0
    )
    model = _quiet(LSRRegressor(ranks=2, separation_rank=2, random_state=0, max_iter=5), p.X, p.y)
    stiefel = sum(d * 2 - 3 for d in SHAPE)  # d r - r (r + 1) / 2 per mode
    assert model.n_params_ == 2 * stiefel + 8 - 3 + 1  # S terms, the core, less the gauge, b_0
    tucker = _quiet(LSRRegressor(ranks=2, fit_intercept=False, max_iter=5), p.X, p.y)
    assert tucker.n_params_ == 8 + sum(2 * (d - 2) for d in SHAPE)  # prod r + sum r (d - r)


def test_gaussian_log_likelihood_profiles_the_variance():
    p = make_lsr_problem(300, sample_shape=SHAPE, separation_rank=1, random_state=1)
    model = _quiet(LSRRegressor(ranks=2, random_state=0), p.X, p.y)
    residual = p.y - model.predict(p.X)
    variance = np.mean(residual**2)
    expected = -0.5 * 300 * (math.log(2 * math.pi * variance) + 1)
    assert model.log_likelihood(p.X, p.y) == pytest.approx(expected, rel=1e-12)
    k = model.n_params_ + 1  # and the variance
    assert model.aic(p.X, p.y) == pytest.approx(-2 * expected + 2 * k, rel=1e-12)
    assert model.bic(p.X, p.y) == pytest.approx(-2 * expected + math.log(300) * k, rel=1e-12)


def test_logistic_log_likelihood_of_string_labels():
    p = make_lsr_problem(
        400, sample_shape=SHAPE, separation_rank=1, family="logistic", random_state=2
    )
    labels = np.where(p.y > 0.5, "yes", "no")
    model = _quiet(LSRClassifier(ranks=2, random_state=0), p.X, labels)
    prob = model.predict_proba(p.X)[:, 1]
    expected = np.sum(np.where(labels == "yes", np.log(prob), np.log1p(-prob)))
    assert model.log_likelihood(p.X, labels) == pytest.approx(expected, rel=1e-10)
    assert model.bic(p.X, labels) == pytest.approx(
        -2 * expected + math.log(400) * model.n_params_, rel=1e-10
    )


@pytest.mark.parametrize(
    ("estimator", "family"), [(LSRRegressor, "gaussian"), (LSRPoissonRegressor, "poisson")]
)
def test_bic_picks_the_true_ranks(estimator, family):
    """Data of ranks 2 (S = 1): ranks 1 underfit, ranks 3 overfit; the BIC is lowest at 2."""
    p = make_lsr_problem(
        1500, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=1, family=family, random_state=3
    )
    bics = {
        r: _quiet(estimator(ranks=r, random_state=0), p.X, p.y).bic(p.X, p.y) for r in (1, 2, 3)
    }
    assert min(bics, key=bics.get) == 2, bics


def test_criteria_take_nested_lists():
    problem = make_lsr_problem(100, sample_shape=(3, 4, 5), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSRRegressor(ranks=2, max_iter=20).fit(problem.X, problem.y)
    assert model.bic(problem.X.tolist(), problem.y.tolist()) == pytest.approx(
        model.bic(problem.X, problem.y)
    )
