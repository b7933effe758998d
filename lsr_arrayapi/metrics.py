"""Metrics of the LSRTR-M paper and of binary classification (array API; floats out).

Every function takes arrays of one namespace (NumPy, torch, CuPy, ...) and
returns a Python float.  Estimation error is reported unsquared (``nee``)
everywhere in the library; the paper's squared number is
:func:`lsr_arrayapi.reproduce.paper.nee_squared`.
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._namespace import array_namespace
from lsr_arrayapi._overflow import exp_or_inf
from lsr_arrayapi.plugins.instances import make_family

__all__ = [
    "accuracy",
    "binary_report",
    "f1",
    "gamma_deviance",
    "nee",
    "poisson_deviance",
    "prediction_error",
    "roc_auc",
    "sensitivity",
    "specificity",
]


def nee(estimate: Any, truth: Any) -> float:
    """Normalized estimation error ``||B_hat - B||_F / ||B||_F`` (unsquared); the two
    tensors must have one shape (no broadcasting)."""
    xp = array_namespace(estimate, truth)
    if tuple(estimate.shape) != tuple(truth.shape):
        raise ValueError(
            f"nee: estimate of shape {tuple(estimate.shape)} and truth of shape "
            f"{tuple(truth.shape)} differ"
        )
    diff = xp.reshape(estimate - truth, (-1,))
    return float(xp.linalg.vector_norm(diff) / xp.linalg.vector_norm(xp.reshape(truth, (-1,))))


def prediction_error(family: str | Any, eta: Any, y: Any) -> float:
    """The paper's normalized prediction error on test data (as the authors' code computes it).

    ``family`` is a registered name or a family object with ``prediction_error``
    (:class:`~lsr_arrayapi.families.base.FamilyBase`); eta, y: ``(n,)`` linear
    predictor and observed responses.  The built-ins:

    * gaussian: ``||eta - y||^2 / ||y||^2``;
    * logistic: ``mean |sigmoid(eta) - y|`` (probability MAE, y in {0, 1});
    * poisson: ``||log(exp(eta) + 1) - log(y + 1)||^2 / ||log(y + 1)||^2``.
    """
    family_obj = make_family(family)
    if not callable(getattr(family_obj, "prediction_error", None)):
        raise ValueError(f"no prediction error defined for family {family_obj.name!r}")
    try:
        return float(family_obj.prediction_error(eta, y))
    except NotImplementedError as exc:
        raise ValueError(str(exc)) from None


def poisson_deviance(y: Any, mu: Any, sample_weight: Any = None) -> float:
    """Mean Poisson deviance ``2 mean(y log(y / mu) - (y - mu))`` (``0 log 0 = 0``),
    weighted by ``sample_weight`` ``(n,)`` when given; inf (without a warning) where a
    mean is inf, or 0 for a positive count (predictions that overflowed)."""
    xp = array_namespace(y, mu)
    positive, ones = y > 0, xp.ones_like(y)
    infinite = (mu == math.inf) | (positive & (mu == 0))
    safe_mu = xp.where(infinite | ~positive, ones, mu)  # no log 0; y = 0 needs no log mu
    log_ratio = xp.log(xp.where(positive, y, ones)) - xp.log(safe_mu)
    term = 2.0 * (xp.where(positive, y * log_ratio, 0.0) - y + xp.where(infinite, 0.0, mu))
    return _mean(xp, xp.where(infinite, math.inf, term), sample_weight)


def gamma_deviance(y: Any, mu: Any, sample_weight: Any = None) -> float:
    """Mean gamma deviance ``2 mean(y / mu - log(y / mu) - 1)``, weighted by
    ``sample_weight``; inf (without a warning) where a mean is 0 or inf."""
    xp = array_namespace(y, mu)
    infinite = (mu == 0) | (mu == math.inf)
    # log y - log mu, not log(y / mu): y / mu underflows to 0 for subnormal y
    log_ratio = xp.log(y) - xp.log(xp.where(infinite, xp.ones_like(mu), mu))
    term = 2.0 * (exp_or_inf(log_ratio) - log_ratio - 1.0)
    return _mean(xp, xp.where(infinite, math.inf, term), sample_weight)


def _mean(xp: Any, term: Any, sample_weight: Any) -> float:
    """The mean of ``term`` ``(n,)``, weighted when ``sample_weight`` is given (a sample
    of weight 0 does not count, even where its term is inf)."""
    if sample_weight is None:
        return float(xp.mean(term))
    counted = xp.where(sample_weight > 0, term, 0.0)
    return float(xp.sum(sample_weight * counted) / xp.sum(sample_weight))


def _binary(xp: Any, labels: Any, name: str) -> Any:
    """``labels != 0`` after checking that they are 0/1 (or boolean) labels ``(n,)``, n >= 1."""
    if labels.ndim != 1 or labels.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {tuple(labels.shape)}")
    if not xp.isdtype(labels.dtype, "bool") and not bool(xp.all((labels == 0) | (labels == 1))):
        raise ValueError(
            f"{name} must hold binary labels 0 and 1 (or booleans); for other labels use "
            "sklearn.metrics"
        )
    return labels != 0


def _same_length(y_true: Any, other: Any, name: str) -> None:
    if tuple(other.shape) != tuple(y_true.shape):
        raise ValueError(
            f"y_true of shape {tuple(y_true.shape)} and {name} of shape {tuple(other.shape)} differ"
        )


def _counts(y_true: Any, y_pred: Any) -> tuple[float, float, float, float]:
    """``(TP, FP, TN, FN)`` for labels in {0, 1} (any real or boolean dtype)."""
    xp = array_namespace(y_true, y_pred)
    _same_length(y_true, y_pred, "y_pred")
    truth, pred = _binary(xp, y_true, "y_true"), _binary(xp, y_pred, "y_pred")
    tp = float(xp.sum(xp.astype(truth & pred, xp.float64)))
    fp = float(xp.sum(xp.astype(~truth & pred, xp.float64)))
    tn = float(xp.sum(xp.astype(~truth & ~pred, xp.float64)))
    fn = float(xp.sum(xp.astype(truth & ~pred, xp.float64)))
    return tp, fp, tn, fn


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of correct labels (binary labels 0/1 or booleans, as every metric here)."""
    tp, fp, tn, fn = _counts(y_true, y_pred)
    return (tp + tn) / (tp + fp + tn + fn)


def sensitivity(y_true: Any, y_pred: Any) -> float:
    """True-positive rate ``TP / #positives`` (NaN without positives)."""
    tp, _, _, fn = _counts(y_true, y_pred)
    return _ratio(tp, tp + fn)


def specificity(y_true: Any, y_pred: Any) -> float:
    """True-negative rate ``TN / #negatives`` (NaN without negatives)."""
    _, fp, tn, _ = _counts(y_true, y_pred)
    return _ratio(tn, tn + fp)


def f1(y_true: Any, y_pred: Any) -> float:
    """``2 TP / (2 TP + FP + FN)`` (NaN when there is nothing positive at all)."""
    tp, fp, _, fn = _counts(y_true, y_pred)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def roc_auc(y_true: Any, score: Any) -> float:
    """Area under the ROC curve: ``P(score_pos > score_neg) + P(tie) / 2``.

    Rank form (Mann-Whitney) with average ranks for ties; ``O(n log n)``.
    NaN unless both classes are present.
    """
    xp = array_namespace(y_true, score)
    _same_length(y_true, score, "score")
    if not bool(xp.all(xp.isfinite(score))):
        raise ValueError("score has NaN or infinite values")
    positive = xp.astype(_binary(xp, y_true, "y_true"), xp.float64)
    n_pos = float(xp.sum(positive))
    n_neg = float(positive.shape[0]) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ordered = xp.sort(score)
    below = xp.searchsorted(ordered, score, side="left")  # ties occupy [below, through)
    through = xp.searchsorted(ordered, score, side="right")
    ranks = xp.astype(below + through + 1, xp.float64) / 2.0  # average 1-based rank
    return (float(xp.sum(ranks * positive)) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def binary_report(y_true: Any, probability: Any, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, sensitivity, specificity, F1 (labels ``probability > threshold``) and AUC."""
    y_pred = probability > threshold
    return {
        "accuracy": accuracy(y_true, y_pred),
        "sensitivity": sensitivity(y_true, y_pred),
        "specificity": specificity(y_true, y_pred),
        "f1": f1(y_true, y_pred),
        "auc": roc_auc(y_true, probability),
    }


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`lsr_arrayapi.reproduce` (deprecated here)."""
    from lsr_arrayapi._moved import moved_attribute

    return moved_attribute(__name__, name)
