"""Families: derivatives, numerical stability at large |eta|, support checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special

from lsr_arrayapi import LSRGammaRegressor
from lsr_arrayapi.families import Gamma, Gaussian, Logistic, Poisson
from lsr_arrayapi.families.glm import _GAMMA_SERIES_FROM, gamma_profile_log_likelihood
from lsr_arrayapi.metrics import gamma_deviance

FAMILIES = [Gaussian(), Logistic(), Poisson(), Gamma()]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_grad_is_derivative_of_pointwise_loss(family):
    eta = np.linspace(-5, 5, 41)
    y = np.full_like(eta, 1.0)
    h = 1e-6
    numeric = (family.pointwise_loss(eta + h, y) - family.pointwise_loss(eta - h, y)) / (2 * h)
    np.testing.assert_allclose(family.grad(eta, y), numeric, rtol=1e-6, atol=1e-8)
    assert family.loss(eta, y) == pytest.approx(np.mean(family.pointwise_loss(eta, y)))


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
@pytest.mark.parametrize("dtype, limit", [(np.float64, 700.0), (np.float32, 80.0)])
def test_no_overflow_at_large_eta(family, dtype, limit):
    eta = np.array([-limit, -1.0, 0.0, 1.0, limit], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dtype)
    with np.errstate(all="raise"):
        for value in (family.pointwise_loss(eta, y), family.grad(eta, y), family.mean(eta)):
            assert np.all(np.isfinite(value))


def test_logistic_mean_matches_sigmoid_and_saturates():
    eta = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    expected = np.array([0.0, 1 / (1 + np.exp(3.0)), 0.5, 1 / (1 + np.exp(-3.0)), 1.0])
    np.testing.assert_allclose(Logistic().mean(eta), expected, atol=1e-15)
    # the loss at a confident correct answer is ~0, at a confident wrong one ~|eta|
    np.testing.assert_allclose(
        Logistic().pointwise_loss(np.array([700.0, 700.0]), np.array([1.0, 0.0])), [0.0, 700.0]
    )


@pytest.mark.parametrize(
    "family, y, message",
    [
        (Logistic(), [0.0, 2.0], "labels in"),
        (Poisson(), [1.0, -1.0], "non-negative"),
        (Poisson(), [1.0, 0.5], "integer"),
        (Gaussian(), [1.0, np.nan], "NaN"),
        (Gamma(), [1.0, 0.0], "positive"),
        (Gamma(), [1.0, -2.0], "positive"),
        (Gamma(), [1.0, np.inf], "infinite"),
    ],
)
def test_validate_rejects_responses_outside_support(family, y, message):
    with pytest.raises(ValueError, match=message):
        family.validate(np.asarray(y))


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_gamma_overflow_is_inf_without_a_numpy_warning():
    """Line-search trials reach eta far beyond the data: the mean and y / mu are inf
    there (and rejected), without an overflow warning."""
    family = Gamma()
    eta = np.array([-800.0, 0.0, 800.0])
    y = np.array([1e100, 1.0, 1.0])
    assert np.array_equal(family.mean(eta), [0.0, 1.0, np.inf])
    assert np.array_equal(family.grad(eta, y), [-np.inf, 0.0, 1.0])
    assert family.pointwise_loss(eta, y)[0] == np.inf


def test_gamma_expected_curvature_and_profiled_likelihood():
    """The curvature is the expectation of the observed one (y / mu), and the
    log-likelihood is scipy's gamma log-density at the maximum-likelihood shape
    (less the model-free sum of log y)."""
    from scipy import optimize, stats

    family = Gamma()
    rng = np.random.default_rng(0)
    eta = rng.normal(size=20000)
    y = family.sample(eta, rng, 0.5)
    assert np.mean(y * np.exp(-eta)) == pytest.approx(1.0, abs=0.02)
    np.testing.assert_array_equal(family.curvature(eta), np.ones_like(eta))
    mu = np.exp(eta)

    def minus_loglik(log_shape):
        shape = np.exp(log_shape)
        return -np.sum(stats.gamma.logpdf(y, shape, scale=mu / shape))

    best = optimize.minimize_scalar(minus_loglik, bounds=(-5, 10), method="bounded")
    expected = -best.fun + np.sum(np.log(y))
    assert family.log_likelihood(eta, y) == pytest.approx(expected, rel=1e-7)
    assert 1 / np.exp(best.x) == pytest.approx(0.25, rel=0.05)  # shape 1 / noise^2


def test_gamma_profile_likelihood_is_finite_and_continuous_for_any_deviance():
    """From a near-perfect fit (m = 5e-324) to a far one (m = 1e300); the series and the
    direct formula meet at the switch, and the shape solves its equation."""
    values = [gamma_profile_log_likelihood(10.0**e) for e in range(-300, 301, 10)]
    assert all(np.isfinite(values)) and np.all(np.diff(values) < 0)
    assert np.isfinite(gamma_profile_log_likelihood(5e-324))
    m = 1 / (2 * _GAMMA_SERIES_FROM)  # about where the series takes over
    below, above = (gamma_profile_log_likelihood(m * f) for f in (1 + 1e-9, 1 - 1e-9))
    assert abs(below - above) < 1e-7
    nu = 3.7  # the direct formula at a shape where nothing cancels
    m = np.log(nu) - special.digamma(nu)
    expected = nu * np.log(nu) - special.gammaln(nu) - nu * (1 + m)
    assert np.isclose(gamma_profile_log_likelihood(m), expected, rtol=1e-12)


def test_gamma_criteria_and_deviance_survive_extreme_responses():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 3, 4, 5))
    y = rng.gamma(10.0, 0.1, 80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSRGammaRegressor(ranks=2, max_iter=20).fit(X, y)
    for extreme in (y * 1e9, model.predict(X) * (1 + 1e-7 * rng.standard_normal(80))):
        assert np.isfinite(model.bic(X, extreme)) and np.isfinite(model.log_likelihood(X, extreme))
    assert np.isfinite(model.score(X, np.r_[5e-324, y[1:]]))
    assert np.isfinite(gamma_deviance(np.array([5e-324, 1.0]), np.array([2.0, 1.0])))
