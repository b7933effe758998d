"""Multi-class classification: the multinomial family and LSRClassifier with C >= 3 classes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, cross_val_score, train_test_split

from lsr_arrayapi import LSRClassifier, LSRTensorGLM, fit_lsr
from lsr_arrayapi.data.datasets import make_multiclass_problem
from lsr_arrayapi.families import Multinomial
from lsr_arrayapi.metrics import nee

SHAPE = (6, 7, 8)


def problem(n=3000, S=1, seed=0, **kwargs):
    return make_multiclass_problem(n, 4, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=S,
                                   scale=2.0, random_state=seed, **kwargs)  # fmt: skip


def test_multinomial_gradient_probabilities_and_stability():
    family = Multinomial()
    rng = np.random.default_rng(0)
    eta, y = rng.normal(size=(50, 3)), rng.integers(0, 4, 50).astype(float)
    step = 1e-6
    numeric = np.zeros_like(eta)
    for c in range(3):
        bump = np.zeros_like(eta)
        bump[:, c] = step
        numeric[:, c] = (
            family.pointwise_loss(eta + bump, y) - family.pointwise_loss(eta - bump, y)
        ) / (2 * step)
    np.testing.assert_allclose(family.grad(eta, y), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(family.mean(eta).sum(axis=1), 1.0)
    large = np.array([[700.0, -700.0], [-700.0, 700.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact
        assert np.all(np.isfinite(family.pointwise_loss(large, np.array([0.0, 2.0]))))
    assert family.outputs(y) == 3


@pytest.mark.parametrize("S", [1, 2])
def test_cold_start_reaches_the_truth_started_fit(S):
    """The cold start reaches the truth-started fit: its error within 1.05x, its loss to 1e-5."""
    p = problem(S=S)
    fit = fit_lsr(p.X, p.y, ranks=2, separation_rank=S, family="multinomial", fit_intercept=True,
                  random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = fit_lsr(p.X, p.y, ranks=2, separation_rank=S, family="multinomial",
                            fit_intercept=True, init={"core": p.core, "factors": p.factors},
                            tol=1e-10, max_iter=2000)  # fmt: skip
    assert fit.coef.shape == (3, *SHAPE)
    assert nee(fit.coef, p.coef) <= 1.05 * nee(reference.coef, p.coef)
    best = reference.history["loss"][-1]
    assert fit.history["loss"][-1] <= best + 1e-5 * abs(best)


def test_classifier_api_for_three_or_more_classes():
    p = problem(n=1500)
    names = np.array(["ant", "bee", "cat", "dog"])
    labels = names[np.asarray(p.y).astype(int)]
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, labels)
    assert model.classes_.tolist() == names.tolist()
    assert model.coef_.shape == (3, *SHAPE) and model.intercept_.shape == (3,)
    proba = model.predict_proba(p.X)
    assert proba.shape == (1500, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    scores = model.decision_function(p.X)
    assert scores.shape == (1500, 4) and np.all(scores[:, 0] == 0)
    predicted = model.predict(p.X)
    np.testing.assert_array_equal(predicted, names[np.argmax(proba, axis=1)])
    assert model.score(p.X, labels) == pytest.approx(np.mean(predicted == labels))
    X = np.asarray(p.X).reshape(1500, -1)
    truth = np.argmax(np.concatenate([np.zeros((1500, 1)), X @ p.coef.reshape(3, -1).T], 1), 1)
    assert model.score(p.X, labels) >= 0.95 * np.mean(names[truth] == labels)  # the Bayes rule's
    assert model.n_params_ > 3 * 8  # the class mode's cores and the shared factors
    general = LSRTensorGLM("multinomial", ranks=2, random_state=0).fit(p.X, p.y)
    np.testing.assert_allclose(general.coef_, model.coef_, rtol=1e-8, atol=1e-10)


def test_binary_labels_keep_the_logistic_model():
    p = problem(n=600)
    binary = np.asarray(p.y) > 1
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, binary)
    assert model.coef_.shape == SHAPE and model.family_.name == "logistic"
    assert model.predict_proba(p.X).shape == (600, 2)


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_same_multinomial_fit_on_every_backend(name):
    backend = load_backend(name)
    p = problem(n=1200, S=2)
    reference = LSRClassifier(ranks=2, separation_rank=2, random_state=0).fit(p.X, p.y)
    q = problem(n=1200, S=2, xp=backend.xp, device=backend.device)
    model = LSRClassifier(ranks=2, separation_rank=2, random_state=0).fit(q.X, q.y)
    assert type(model.coef_) is type(q.X)
    np.testing.assert_allclose(backend.to_numpy(model.coef_), reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(backend.to_numpy(model.predict_proba(q.X)),
                               reference.predict_proba(p.X), rtol=1e-6, atol=1e-9)  # fmt: skip


def test_full_rank_multinomial_has_the_glm_standard_errors():
    """Ranks equal to the dimensions: multinomial regression on Z = [X_flat, 1], whose
    information is ``sum_i H_i (x) z_i z_i^T`` with ``H_i = diag(p_i) - p_i p_i^T``."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 3, 4))
    logits = np.concatenate(
        [np.zeros((500, 1)), X.reshape(500, -1) @ rng.normal(0, 0.3, (12, 2))], 1
    )
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = (probabilities.cumsum(1)[:, :-1] < rng.random(500)[:, None]).sum(1)
    model = LSRClassifier(ranks=(3, 4), tol=1e-12, max_iter=3000, random_state=0).fit(X, y)
    Z = np.concatenate([X.reshape(500, -1), np.ones((500, 1))], axis=1)
    p = model.predict_proba(X)[:, 1:]
    H = p[:, :, None] * np.eye(2) - p[:, :, None] * p[:, None, :]
    information = np.einsum("icd,ia,ib->cadb", H, Z, Z).reshape(26, 26)
    expected = np.sqrt(np.diag(np.linalg.inv(information))).reshape(2, 13)[:, :12]
    got = model.coef_stderr(X, y).reshape(2, 12)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def _covariate_problem(n=600, seed=0):
    """Three classes whose log-odds depend on a (2, 3) tensor and on two covariates."""
    rng = np.random.default_rng(seed)
    X, Z = rng.normal(size=(n, 2, 3)), rng.normal(size=(n, 2))
    logits = np.concatenate(
        [np.zeros((n, 1)), X.reshape(n, -1) @ rng.normal(0, 0.5, (6, 2))
         + Z @ np.array([[0.5, -1.0], [1.0, 0.3]]) + 0.2], axis=1
    )  # fmt: skip
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = (probabilities.cumsum(1)[:, :-1] < rng.random(n)[:, None]).sum(1)
    return X, Z, y


def test_covariates_beside_a_multiclass_tensor_are_the_multinomial_glm():
    """Full ranks with covariates: multinomial regression on [X_flat, Z, 1]. The
    probabilities are scikit-learn's unpenalized ones, gamma has a column per log-odds,
    and the errors are the textbook ones (information ``sum_i H_i (x) z_i z_i^T``)."""
    X, Z, y = _covariate_problem()
    model = LSRClassifier(ranks=(2, 3), tol=1e-12, max_iter=3000).fit(X, y, covariates=Z)
    assert model.converged_ and model.covariate_coef_.shape == (2, 2)
    assert model.n_params_ == 12 + 2 + 4
    design = np.concatenate([X.reshape(600, -1), Z], axis=1)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(design, y)
    np.testing.assert_allclose(model.predict_proba(X, covariates=Z),
                               reference.predict_proba(design), atol=1e-6)  # fmt: skip
    full = np.concatenate([design, np.ones((600, 1))], axis=1)
    p = model.predict_proba(X, covariates=Z)[:, 1:]
    H = p[:, :, None] * np.eye(2) - p[:, :, None] * p[:, None, :]
    information = np.einsum("icd,ia,ib->cadb", H, full, full).reshape(18, 18)
    expected = np.sqrt(np.diag(np.linalg.inv(information))).reshape(2, 9)[:, :6]
    got = model.coef_stderr(X, y, covariates=Z).reshape(2, 6)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    start = {"core": model.core_, "factors": model.factors_, "intercept": model.intercept_,
             "covariate_coef": model.covariate_coef_[:, :1]}  # fmt: skip
    with pytest.raises(ValueError, match=r"covariate_coef has shape \(2, 1\), expected \(2, 2\)"):
        LSRClassifier(ranks=(2, 3), init=start).fit(X, y, covariates=Z)


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_multiclass_covariates_on_every_backend(name):
    backend = load_backend(name)
    X, Z, y = _covariate_problem(n=400, seed=1)
    reference = LSRClassifier(ranks=(1, 2), random_state=0).fit(X, y, covariates=Z)
    xp, dev = backend.xp, backend.device
    moved = [xp.asarray(a, device=dev) for a in (X, Z, y.astype(float))]
    model = LSRClassifier(ranks=(1, 2), random_state=0).fit(moved[0], moved[2], covariates=moved[1])
    np.testing.assert_allclose(backend.to_numpy(model.covariate_coef_), reference.covariate_coef_,
                               rtol=1e-6, atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(backend.to_numpy(model.predict_proba(moved[0], covariates=moved[1])),
                               reference.predict_proba(X, covariates=Z), atol=1e-8)  # fmt: skip


def test_intervals_and_clear_errors_for_what_is_not_there():
    p = problem(n=600)
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, p.y)
    lower, upper = model.coef_interval(p.X, p.y, method="bootstrap", n_boot=4, random_state=0)
    assert lower.shape == (3, *SHAPE) and np.all(lower <= upper)
    lower, upper = model.coef_interval(p.X, p.y)
    assert (
        lower.shape == (3, *SHAPE) and np.all(lower < model.coef_) and np.all(model.coef_ < upper)
    )
    with pytest.raises(ValueError, match="project"):
        fit_lsr(p.X, p.y, ranks=2, family="multinomial", schedule="als")
    with pytest.raises(ValueError, match="at least three classes"):
        fit_lsr(p.X, np.asarray(p.y) > 1, ranks=2, family="multinomial")
    with pytest.raises(ValueError, match="class codes"):
        fit_lsr(p.X, np.asarray(p.y) + 0.5, ranks=2, family="multinomial")
    # a label not seen in fit is a miss, as in accuracy_score (cross-validation folds
    # that lack a class in training score, not fail)
    assert model.score(p.X, np.full(600, 7.0)) == 0.0
    y_unseen = np.where(np.arange(600) % 2 == 0, 7.0, np.asarray(p.y))
    expected = accuracy_score(y_unseen, np.asarray(model.predict(p.X)))
    assert 0 < expected and model.score(p.X, y_unseen) == pytest.approx(expected, abs=1e-15)


def test_digits_accuracy_within_two_points_of_logistic_regression():
    """10 classes of 8 x 8 images, 30 % held out; the same ridge penalty as
    LogisticRegression's default (C = 1)."""
    data = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(data.images / 16.0, data.target,
                                                        test_size=0.3, random_state=0,
                                                        stratify=data.target)  # fmt: skip
    reference = LogisticRegression(max_iter=5000).fit(X_train.reshape(len(X_train), -1), y_train)
    expected = reference.score(X_test.reshape(len(X_test), -1), y_test)
    model = LSRClassifier(ranks=5, alpha=1 / len(y_train), max_iter=2000, random_state=0)
    model.fit(X_train, y_train)
    assert model.coef_.shape == (9, 8, 8)
    assert model.score(X_test, y_test) >= expected - 0.02


def test_labels_the_model_cannot_read_raise_instead_of_guessing():
    """Codes with a gap would fit classes that never occur; a list of mixed types would be
    stringified by NumPy; an infinite label is no class."""
    p = problem(n=90)
    y = np.asarray(p.y)
    with pytest.raises(ValueError, match=r"every class code 0, 1, \.\.\., 9 present"):
        fit_lsr(p.X, np.where(y == 2, 9.0, y), ranks=2, family="multinomial")
    with pytest.raises(ValueError, match="mixes labels of types"):
        LSRClassifier(ranks=2).fit(p.X, [[1, "a", 2.5, 3][int(v)] for v in y])
    with pytest.raises(ValueError, match="infinite labels"):
        LSRClassifier(ranks=2).fit(p.X, np.where(y == 3, np.inf, y))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bootstrap_resamples_keep_every_class():
    """Twelve samples of four classes: a plain resample often loses a class, which would
    change the model's shape; resamples are redrawn until every class is present."""
    p = make_multiclass_problem(12, 4, sample_shape=(3, 4, 5), ranks=(2, 2, 2), scale=2.0,
                                random_state=0)  # fmt: skip
    model = LSRClassifier(ranks=2, max_iter=20).fit(p.X, p.y)
    lower, upper = model.coef_interval(p.X, p.y, method="bootstrap", n_boot=20, random_state=0)
    assert lower.shape == model.coef_.shape and np.all(lower <= upper)


def test_separable_classes_are_flagged_as_for_two():
    """Classes that a linear map separates have no maximum-likelihood fit: warn, and do
    not report convergence while the loss still falls."""
    rng = np.random.default_rng(19)
    X = rng.normal(size=(150, 2, 3))
    y = np.argmax(np.einsum("nij,cij->nc", X, rng.normal(size=(3, 2, 3))), axis=1)
    with pytest.warns(Warning, match="separated"):
        model = LSRClassifier(ranks=(2, 3)).fit(X, y)
    assert not model.converged_


def test_numbers_for_a_classifier_fitted_on_strings_are_unseen_labels():
    p = problem(n=300)
    codes = np.asarray(p.y).astype(int)
    model = LSRClassifier(ranks=1, max_iter=20).fit(p.X, np.array(list("abcd"))[codes])
    with pytest.raises(ValueError, match=r"labels not seen in fit: \[0, 1, 2, 3\]"):
        model.score(p.X, codes)


def test_a_continuous_target_is_not_taken_for_class_labels():
    p = problem(n=100)
    y = np.random.default_rng(0).standard_normal(100)
    with pytest.raises(ValueError, match="y looks continuous \\(100 distinct non-integer values"):
        LSRClassifier(ranks=1).fit(p.X, y)
    LSRClassifier(ranks=1, max_iter=5).fit(p.X, np.round(np.abs(y)))  # integral floats are labels


def test_cross_validation_scores_a_fold_whose_training_part_lacks_a_class():
    """One sample of class 3: the fold that holds it out of training scores it as a miss."""
    p = make_multiclass_problem(90, 3, sample_shape=(3, 4, 5), ranks=(2, 2, 2), random_state=0)
    y = np.asarray(p.y).copy()
    y[0] = 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(LSRClassifier(ranks=2, max_iter=20), p.X, y, cv=KFold(3))
        first = LSRClassifier(ranks=2, max_iter=20).fit(p.X[30:], y[30:])
    assert np.all(np.isfinite(scores))
    expected = accuracy_score(y[:30], np.asarray(first.predict(p.X[:30])))
    assert scores[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("dtype", [np.uint16, np.uint32, np.uint64])
def test_wide_unsigned_labels_are_classes_on_every_backend(dtype):
    """torch has no min or sort for uint16 to uint64: such labels are taken as int64."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3, 4, 5))
    labels = rng.integers(0, 3, 60)
    fits = [
        LSRClassifier(ranks=1, max_iter=5, random_state=0).fit(data, labels.astype(dtype))
        for data in (X, torch.asarray(X))
    ]
    for model in fits:
        assert np.array_equal(np.asarray(model.classes_), [0, 1, 2])
    np.testing.assert_allclose(np.asarray(fits[1].coef_), fits[0].coef_, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="above int64's maximum"):
        LSRClassifier(ranks=1).fit(X, np.where(labels > 0, 2**64 - 1, 0).astype(np.uint64))
