"""scikit-learn faces: everything follows X, labels of any kind, clone and grid search."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import problem_on
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import (
    LSRClassifier,
    LSRGammaRegressor,
    LSRPoissonRegressor,
    LSRRegressor,
    LSRTensorGLM,
)
from lsr_arrayapi.metrics import nee

SMALL = {"sample_shape": (6, 7, 8), "ranks": (2, 2, 2)}


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
def test_regressor_follows_x(backend_name):
    backend = load_backend(backend_name)
    p = problem_on(backend, n_samples=300, separation_rank=1, random_state=0, **SMALL)
    y_host = backend.to_numpy(p.y)  # y of another kind than X is moved to X's namespace
    model = LSRRegressor(ranks=2, random_state=0).fit(p.X, y_host)
    for fitted in (model.coef_, model.core_, model.factors_[0][0]):
        assert type(fitted) is type(p.X)
    pred = model.predict(p.X)
    assert type(pred) is type(p.X) and pred.shape == (300,)
    assert model.score(p.X, p.y) > 0.95
    assert nee(model.coef_, p.coef) < 0.2


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
def test_classifier_numeric_labels_in_xs_namespace(backend_name):
    backend = load_backend(backend_name)
    p = problem_on(
        backend, n_samples=800, family="logistic", separation_rank=1, random_state=1, **SMALL
    )
    labels = 2.0 * p.y + 3.0  # classes {3, 5}
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, labels)
    np.testing.assert_array_equal(backend.to_numpy(model.classes_), [3.0, 5.0])
    pred = model.predict(p.X)
    assert type(pred) is type(p.X)
    assert set(np.unique(backend.to_numpy(pred))) <= {3.0, 5.0}
    proba = backend.to_numpy(model.predict_proba(p.X))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # the truth's own accuracy on these labels (Bayes-level, about 0.7 here)
    eta_true = np.tensordot(backend.to_numpy(p.X), backend.to_numpy(p.coef), axes=3)
    truth_accuracy = np.mean((eta_true > 0) == (backend.to_numpy(p.y) > 0))
    assert model.score(p.X, labels) >= truth_accuracy - 0.03


@pytest.mark.parametrize("labels", [("no", "yes"), (False, True)])
def test_classifier_string_and_boolean_labels(labels):
    p = make_lsr_problem(800, family="logistic", separation_rank=1, random_state=2, **SMALL)
    y = np.where(np.asarray(p.y) > 0, labels[1], labels[0])
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, y)
    assert list(model.classes_) == list(labels)
    pred = model.predict(p.X)
    assert set(pred.tolist()) <= set(labels)
    # predict agrees with predict_proba and with decision_function's sign
    proba = np.asarray(model.predict_proba(p.X))[:, 1]
    np.testing.assert_array_equal(pred == labels[1], proba > 0.5)
    assert model.score(p.X, y) == pytest.approx(np.mean(pred == y))


def test_poisson_regressor_beats_the_null_model():
    p = make_lsr_problem(1500, family="poisson", separation_rank=1, random_state=3, **SMALL)
    model = LSRPoissonRegressor(ranks=2, random_state=0).fit(p.X, p.y)
    assert model.score(p.X, p.y) > 0.3
    assert np.all(np.asarray(model.predict(p.X)) > 0)


def test_gamma_regressor_recovers_the_coefficient_of_a_truth_started_fit():
    """Cold start against a fit started at the truth, both to convergence (S = 2):
    the same accuracy; D^2 well above the null model's 0; y <= 0 rejected."""
    p = make_lsr_problem(1500, family="gamma", separation_rank=2, noise=0.5, random_state=3,
                         **SMALL)  # fmt: skip
    model = LSRGammaRegressor(ranks=2, separation_rank=2, random_state=0).fit(p.X, p.y)
    truth = {"core": p.core, "factors": p.factors}
    reference = LSRGammaRegressor(ranks=2, separation_rank=2, init=truth, tol=1e-9,
                                  max_iter=2000).fit(p.X, p.y)  # fmt: skip
    assert nee(model.coef_, p.coef) <= 1.05 * nee(reference.coef_, p.coef)
    assert model.score(p.X, p.y) > 0.5
    assert np.all(np.asarray(model.predict(p.X)) > 0)
    general = LSRTensorGLM(family="gamma", ranks=2, separation_rank=2, random_state=0)
    np.testing.assert_allclose(general.fit(p.X, p.y).coef_, model.coef_)
    with pytest.raises(ValueError, match="positive"):
        model.fit(p.X, np.where(np.asarray(p.y) > 1, p.y, 0.0))


def test_general_glm_matches_the_specialized_estimator():
    p = make_lsr_problem(1000, family="poisson", separation_rank=1, random_state=4, **SMALL)
    general = LSRTensorGLM(family="poisson", ranks=2, random_state=0).fit(p.X, p.y)
    special = LSRPoissonRegressor(ranks=2, random_state=0).fit(p.X, p.y)
    np.testing.assert_allclose(general.coef_, special.coef_)
    np.testing.assert_allclose(general.predict(p.X), special.predict(p.X))


def test_torch_in_torch_out_with_cpu_float32():
    torch = pytest.importorskip("torch")
    p = make_lsr_problem(600, family="logistic", separation_rank=1, random_state=5, **SMALL)
    X = torch.asarray(np.asarray(p.X), dtype=torch.float32)
    y = torch.asarray(np.asarray(p.y) > 0)  # boolean labels as a tensor
    model = LSRClassifier(ranks=2, random_state=0).fit(X, y)
    assert isinstance(model.coef_, torch.Tensor) and model.coef_.dtype == torch.float32
    assert isinstance(model.predict_proba(X), torch.Tensor)


def test_clone_and_grid_search_over_ranks():
    p = make_lsr_problem(400, family="logistic", separation_rank=1, random_state=6, **SMALL)
    model = LSRClassifier(ranks=1, max_iter=50)
    assert clone(model).get_params() == model.get_params()
    search = GridSearchCV(model, {"ranks": [1, 2]}, cv=3).fit(p.X, p.y)
    assert search.best_params_["ranks"] in (1, 2)
    assert 0.5 < search.best_score_ <= 1.0


def test_estimators_take_the_schedule():
    p = make_lsr_problem(1500, family="poisson", separation_rank=1, random_state=7, **SMALL)
    default = LSRPoissonRegressor(ranks=2, random_state=0).fit(p.X, p.y)
    fast = LSRPoissonRegressor(ranks=2, random_state=0, schedule="lbfgs").fit(p.X, p.y)
    assert fast.converged_
    np.testing.assert_allclose(fast.coef_, default.coef_, atol=1e-3 * np.abs(default.coef_).max())


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_gamma_regressor_from_the_cold_start_on_every_backend(name):
    backend = load_backend(name)
    options = {"n_samples": 800, "family": "gamma", "noise": 0.5, "separation_rank": 2,
               "random_state": 3, **SMALL}  # fmt: skip
    host = make_lsr_problem(**options)
    reference = LSRGammaRegressor(ranks=2, separation_rank=2, random_state=0).fit(host.X, host.y)
    p = problem_on(backend, **options)
    model = LSRGammaRegressor(ranks=2, separation_rank=2, random_state=0).fit(p.X, p.y)
    assert type(model.coef_) is type(p.X)
    np.testing.assert_allclose(
        backend.to_numpy(model.coef_), reference.coef_, rtol=1e-7, atol=1e-10
    )


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scores_of_predictions_beyond_float32_are_infinite_without_numpy_warnings():
    """Finite float32 samples whose predictions' squares overflow: R^2, the likelihood and
    the criteria are -inf / inf, and NumPy's overflow warnings stay inside."""
    p = make_lsr_problem(300, sample_shape=(4, 5, 6), separation_rank=1, random_state=0)
    far = (np.asarray(p.X) * 1e20).astype(np.float32)
    X32 = np.asarray(p.X).astype(np.float32)
    model = LSRRegressor(ranks=2, random_state=0).fit(X32, p.y)
    assert model.score(far, p.y) == -np.inf
    assert model.log_likelihood(far, p.y) == -np.inf and model.aic(far, p.y) == np.inf
    glm = LSRTensorGLM(family="gaussian", ranks=2, random_state=0).fit(X32, p.y)
    assert glm.score(far, p.y) == -np.inf
