"""Metrics against hand-computed values, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from lsr_arrayapi import metrics
from lsr_arrayapi.families.base import FamilyBase
from lsr_arrayapi.metrics import accuracy, nee, roc_auc
from lsr_arrayapi.reproduce.paper import nee_squared


def test_estimation_errors(backend):
    truth = backend.asarray([[3.0, 0.0], [0.0, 4.0]])  # ||B|| = 5
    estimate = backend.asarray([[3.0, 1.0], [0.0, 4.0]])
    assert metrics.nee(estimate, truth) == pytest.approx(0.2)
    assert nee_squared(estimate, truth) == pytest.approx(0.04)


def test_prediction_errors_by_hand(backend):
    eta, y = backend.asarray([1.0, 2.0]), backend.asarray([1.0, 0.0])
    assert metrics.prediction_error("gaussian", eta, y) == pytest.approx(4.0)  # (0 + 4) / 1
    s1, s2 = 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(-2))
    expected = ((1 - s1) + s2) / 2
    assert metrics.prediction_error("logistic", eta, y) == pytest.approx(expected)
    counts = backend.asarray([1.0, 3.0])
    log_mu, log_y = np.log1p(np.exp([1.0, 2.0])), np.log1p([1.0, 3.0])
    expected = np.sum((log_mu - log_y) ** 2) / np.sum(log_y**2)
    assert metrics.prediction_error("poisson", eta, counts) == pytest.approx(expected)
    positive = backend.asarray([1.0, 3.0])  # gamma: deviance over the null model's
    ratio, null_ratio = np.array([1.0, 3.0]) / np.exp([1.0, 2.0]), np.array([1.0, 3.0]) / 2.0
    expected = np.mean(ratio - np.log(ratio) - 1) / np.mean(null_ratio - np.log(null_ratio) - 1)
    assert metrics.prediction_error("gamma", eta, positive) == pytest.approx(expected)
    with pytest.raises(ValueError, match="unknown family 'tweedie'"):
        metrics.prediction_error("tweedie", eta, y)

    class Bare(FamilyBase):  # a family that defines no prediction error
        name = "bare"

    with pytest.raises(ValueError, match="no prediction error defined for family 'bare'"):
        metrics.prediction_error(Bare(), eta, y)


def test_poisson_deviance_by_hand(backend):
    y, mu = backend.asarray([0.0, 2.0]), backend.asarray([1.0, 1.0])
    # 2 * mean([0 - 0 + 1, 2 log 2 - 2 + 1])
    expected = 1 + 2 * math.log(2) - 1
    assert metrics.poisson_deviance(y, mu) == pytest.approx(expected)
    weights = backend.asarray([3.0, 1.0])
    assert metrics.poisson_deviance(y, mu, weights) == pytest.approx(
        2 * (3 * 1 + (2 * math.log(2) - 1)) / 4
    )


def test_confusion_metrics_by_hand(backend):
    truth = backend.asarray([1.0, 1.0, 1.0, 0.0, 0.0])
    pred = backend.asarray([1.0, 0.0, 1.0, 1.0, 0.0])  # TP 2, FN 1, FP 1, TN 1
    assert metrics.accuracy(truth, pred) == pytest.approx(3 / 5)
    assert metrics.sensitivity(truth, pred) == pytest.approx(2 / 3)
    assert metrics.specificity(truth, pred) == pytest.approx(1 / 2)
    assert metrics.f1(truth, pred) == pytest.approx(4 / 6)
    assert math.isnan(metrics.sensitivity(truth * 0, pred))


def test_auc_by_hand_with_ties(backend):
    truth = backend.asarray([0.0, 0.0, 1.0, 1.0])
    score = backend.asarray([0.1, 0.5, 0.5, 0.9])
    # pairs (pos, neg): (0.5,0.1)=1 (0.5,0.5)=1/2 (0.9,*)=1,1 -> 3.5 / 4
    assert metrics.roc_auc(truth, score) == pytest.approx(0.875)
    assert math.isnan(metrics.roc_auc(truth * 0, score))


def test_auc_matches_scikit_learn():
    rng = np.random.default_rng(0)
    truth = rng.random(500) < 0.3
    score = np.round(rng.random(500) + truth * 0.3, 2)  # many ties
    assert metrics.roc_auc(truth.astype(float), score) == pytest.approx(roc_auc_score(truth, score))


def test_binary_report_thresholds_probabilities():
    report = metrics.binary_report(np.array([1.0, 0.0, 1.0]), np.array([0.4, 0.2, 0.9]), 0.3)
    assert report["accuracy"] == 1.0 and report["auc"] == 1.0
    assert (
        metrics.binary_report(np.array([1.0, 0, 1]), np.array([0.4, 0.2, 0.9]))["sensitivity"]
        == 0.5
    )


@pytest.mark.parametrize(
    ("metric", "arguments", "message"),
    [
        (accuracy, ([1, 2, 1, 2], [2, 1, 2, 1]), "binary labels 0 and 1"),  # was 1.0
        (accuracy, ([-1, 1, -1, 1], [1, -1, 1, -1]), "binary labels 0 and 1"),  # was 1.0
        (accuracy, ([], []), "non-empty 1-D"),  # was ZeroDivisionError
        (accuracy, ([0, 1, 1], [0, 1]), "differ"),
        (roc_auc, ([0, 1, 0, 1], [0.9, np.nan, 0.8, 0.1]), "NaN or infinite"),  # was 0.5
        (nee, ([[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0]), "differ"),  # broadcast to 0.926
    ],
)
def test_metrics_refuse_what_they_would_get_silently_wrong(metric, arguments, message):
    with pytest.raises(ValueError, match=message):
        metric(*(np.asarray(a) for a in arguments))


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("deviance", [metrics.poisson_deviance, metrics.gamma_deviance])
def test_deviances_of_overflowed_predictions_are_inf_without_warnings(deviance):
    """A mean of 0 or inf (an overflowed prediction) has infinite deviance -- not NaN,
    which made the regressors' D^2 NaN -- and a sample of weight 0 does not count."""
    y = np.array([2.0, 1.0, 3.0])
    assert deviance(y, np.array([0.0, 1.0, 3.0])) == np.inf
    assert deviance(y, np.array([np.inf, 1.0, 3.0])) == np.inf
    assert deviance(y, np.array([1e-320, 1.0, 3.0])) > 900  # 982 (Poisson), inf (gamma: y / mu)
    weights = np.array([0.0, 1.0, 1.0])
    assert deviance(y, np.array([np.inf, 1.0, 3.0]), weights) == deviance(y[1:], y[1:]) == 0.0
