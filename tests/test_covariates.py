"""Vector covariates beside the tensor: eta_i = <X_i, B> + Z_i gamma + b_0."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
from conftest import CPU_BACKENDS, load_backend
from sklearn.model_selection import GridSearchCV, cross_val_score

from lsr_arrayapi import LSRClassifier, LSRGammaRegressor, LSRRegressor, LSRTensorGLM, fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.plugins.instances import make_family

SHAPE = (6, 7, 8)
GAMMA = np.array([0.5, -0.3, 0.2])
NOISE = {"gaussian": 0.1, "logistic": 0.1, "poisson": 0.1, "gamma": 0.5}


def problem(family: str, n: int = 2000, S: int = 1, gamma=GAMMA, seed: int = 1):
    """A problem whose responses depend on the tensor and on three covariates."""
    p = make_lsr_problem(n, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=S,
                         family=family, random_state=seed)  # fmt: skip
    rng = np.random.default_rng(seed + 100)
    Z = rng.standard_normal((n, len(gamma)))
    eta = np.asarray(p.X).reshape(n, -1) @ p.coef.ravel() + Z @ gamma + 0.2
    y = np.asarray(make_family(family).sample(eta, rng, NOISE[family]), dtype=float)
    return p, Z, y


@pytest.mark.parametrize("family", ["gaussian", "logistic", "poisson", "gamma"])
def test_gamma_and_B_are_recovered_together(family):
    """From the cold start: the same fit as one started at the truth, and gamma within
    four standard errors of the true one (the information on [1, Z] with B held at the fit)."""
    p, Z, y = problem(family)
    fit = fit_lsr(p.X, y, ranks=2, family=family, covariates=Z, fit_intercept=True,
                  random_state=0)  # fmt: skip
    truth = {"core": p.core, "factors": p.factors, "covariate_coef": GAMMA, "intercept": 0.2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = fit_lsr(p.X, y, ranks=2, family=family, covariates=Z, fit_intercept=True,
                            init=truth, tol=1e-10, max_iter=2000)  # fmt: skip
    np.testing.assert_allclose(fit.covariate_coef, reference.covariate_coef, atol=2e-3)
    assert nee(fit.coef, p.coef) <= 1.05 * nee(reference.coef, p.coef)
    # the statistical error of gamma: its Fisher standard error on the fitted model
    model = LSRTensorGLM(family, ranks=2, init=reference).fit(p.X, y, covariates=Z)
    stderr = _gamma_stderr(model, Z, p.X)
    assert np.all(np.abs(fit.covariate_coef - GAMMA) <= 4 * stderr)


def _gamma_stderr(model, Z, X):
    """gamma's standard errors with B held at the fit: the GLM information on [1, Z]."""
    eta = np.asarray(model.decision_function(X, Z))
    family = model.family_
    L = np.concatenate([np.ones((len(eta), 1)), Z], axis=1)
    h = np.asarray(family.curvature(eta))
    return np.sqrt(np.diag(np.linalg.inv(L.T @ (h[:, None] * L))))[1:]


def test_covariates_with_zero_effect_cost_B_nothing():
    p, Z, y = problem("gaussian", n=400, S=2, gamma=np.zeros(3))
    with_z = LSRRegressor(ranks=2, separation_rank=2, random_state=0).fit(p.X, y, covariates=Z)
    without = LSRRegressor(ranks=2, separation_rank=2, random_state=0).fit(p.X, y)
    assert nee(with_z.coef_, p.coef) <= 1.1 * nee(without.coef_, p.coef)
    assert with_z.n_params_ == without.n_params_ + 3


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_covariates_follow_X_on_every_backend(name):
    backend = load_backend(name)
    p, Z, y = problem("poisson", n=600, S=2)
    reference = LSRTensorGLM("poisson", ranks=2, separation_rank=2, random_state=0)
    reference.fit(p.X, y, covariates=Z)
    X = backend.asarray(p.X)
    model = LSRTensorGLM("poisson", ranks=2, separation_rank=2, random_state=0)
    model.fit(X, backend.asarray(y), covariates=Z)  # Z as NumPy: moved to X's namespace
    assert type(model.covariate_coef_) is type(X)
    np.testing.assert_allclose(backend.to_numpy(model.covariate_coef_), reference.covariate_coef_,
                               rtol=1e-6, atol=1e-9)  # fmt: skip
    predicted = model.predict(X, covariates=backend.asarray(Z))
    np.testing.assert_allclose(backend.to_numpy(predicted), reference.predict(p.X, covariates=Z),
                               rtol=1e-6)  # fmt: skip


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 8 iterations
def test_dask_X_with_covariates_in_memory():
    da = pytest.importorskip("dask.array")
    p, Z, y = problem("logistic", n=600)
    options = {"ranks": 2, "family": "logistic", "fit_intercept": True, "init": "spectral",
               "max_iter": 8, "tol": 0.0}  # fmt: skip
    eager = fit_lsr(p.X, y, covariates=Z, **options)
    lazy = fit_lsr(da.from_array(np.asarray(p.X), chunks=(150, *SHAPE)), y, covariates=Z, **options)
    np.testing.assert_allclose(lazy.covariate_coef, eager.covariate_coef, rtol=1e-8)
    np.testing.assert_allclose(lazy.coef, eager.coef, rtol=1e-7, atol=1e-10)


def test_metadata_routing_splits_the_covariates_with_the_samples():
    p, Z, y = problem("gaussian", n=600)
    with sklearn.config_context(enable_metadata_routing=True):
        model = (LSRRegressor(ranks=2, random_state=0).set_fit_request(covariates=True)
                 .set_score_request(covariates=True))  # fmt: skip
        scores = cross_val_score(model, p.X, y, cv=3, params={"covariates": Z})
        search = GridSearchCV(model, {"ranks": [1, 2]}, cv=3).fit(p.X, y, covariates=Z)
    blind = cross_val_score(LSRRegressor(ranks=2, random_state=0), p.X, y, cv=3)
    assert np.all(scores > 0.95) and np.all(blind < 0.9), (scores, blind)
    assert search.best_params_ == {"ranks": 2}


def test_classifier_and_gamma_regressor_take_covariates():
    p, Z, y = problem("logistic", n=1000)
    labels = np.where(y > 0, "yes", "no")
    clf = LSRClassifier(ranks=2, random_state=0).fit(p.X, labels, covariates=Z)
    proba = clf.predict_proba(p.X, covariates=Z)
    assert proba.shape == (1000, 2)
    assert clf.score(p.X, labels, covariates=Z) > 0.6
    q, Zq, yq = problem("gamma", n=1000)
    gamma = LSRGammaRegressor(ranks=2, random_state=0).fit(q.X, yq, covariates=Zq)
    assert gamma.score(q.X, yq, covariates=Zq) > gamma.score(q.X, yq, covariates=0 * Zq)


def test_intervals_with_covariates_match_the_glm_for_a_full_rank_model():
    """Ranks equal to the dimensions: B and gamma together are an ordinary GLM on [X, Z, 1]."""
    rng = np.random.default_rng(0)
    X, Z = rng.standard_normal((400, 3, 4)), rng.standard_normal((400, 2))
    y = rng.poisson(np.exp(X.reshape(400, -1) @ rng.normal(0, 0.1, 12) + Z @ [0.3, -0.2]))
    model = LSRTensorGLM("poisson", ranks=(3, 4), tol=1e-12, max_iter=3000, random_state=0)
    model.fit(X, y.astype(float), covariates=Z)
    design = np.concatenate([X.reshape(400, -1), Z, np.ones((400, 1))], axis=1)
    mu = np.exp(design[:, :12] @ model.coef_.ravel() + Z @ model.covariate_coef_ + model.intercept_)
    expected = np.sqrt(np.diag(np.linalg.inv(design.T @ (mu[:, None] * design))))[:12]
    got = model.coef_stderr(X, y.astype(float), covariates=Z).ravel()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda Z: Z[:, 0], "2-D"),
        (lambda Z: Z[:-1], "rows"),
        (lambda Z: np.where(np.arange(3) == 1, np.nan, Z), "NaN"),
        (lambda Z: np.column_stack([Z, np.ones(len(Z))]), "constant"),
        (lambda Z: np.column_stack([Z, Z[:, 0] - 2 * Z[:, 1]]), "collinear"),
        (lambda Z: np.zeros((len(Z), 0)), "no columns"),
        (lambda Z: np.random.default_rng(0).standard_normal((len(Z), len(Z))), "samples"),
    ],
)
def test_bad_covariates_raise_clear_errors(make, message):
    p, Z, y = problem("gaussian", n=60)
    with pytest.raises(ValueError, match=message):
        LSRRegressor(ranks=1).fit(p.X, y, covariates=make(Z))


def test_prediction_needs_the_fitted_covariates():
    p, Z, y = problem("gaussian", n=300)
    model = LSRRegressor(ranks=2, random_state=0).fit(p.X, y, covariates=Z)
    with pytest.raises(ValueError, match="fitted with 3 covariates"):
        model.predict(p.X)
    with pytest.raises(ValueError, match=r"shape \(300, 3\)"):
        model.predict(p.X, covariates=Z[:, :2])
    plain = LSRRegressor(ranks=2, random_state=0).fit(p.X, y)
    with pytest.raises(ValueError, match="fitted without covariates"):
        plain.predict(p.X, covariates=Z)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda Z: Z.astype(complex), "real numbers, got dtype complex"),
        (lambda Z: Z.astype(str), "real numbers"),
        (lambda Z: np.full(Z.shape, None, dtype=object), "real numbers"),
    ],
)
def test_prediction_covariates_must_be_real_numbers(bad, message):
    p, Z, y = problem("gaussian", n=200)
    model = LSRRegressor(ranks=2, random_state=0, max_iter=20).fit(p.X, y, covariates=Z)
    with pytest.raises(TypeError, match=message):
        model.predict(p.X, covariates=bad(Z))


def test_covariates_count_towards_the_model_dimension():
    """58 covariates, the intercept and 19 tensor parameters on 60 samples interpolate."""
    p, _, y = problem("gaussian", n=60)
    Z = np.random.default_rng(1).standard_normal((60, 58))
    with pytest.warns(UserWarning, match="60 samples for a model of dimension"):
        LSRRegressor(ranks=1, max_iter=5).fit(p.X, y, covariates=Z)


def test_a_warm_start_names_a_bad_covariate_coef():
    p, Z, y = problem("gaussian", n=200)
    model = LSRRegressor(ranks=2, max_iter=20).fit(p.X, y, covariates=Z)
    start = {"core": model.core_, "factors": model.factors_, "covariate_coef": "ab"}
    with pytest.raises(TypeError, match="warm-start covariate_coef"):
        LSRRegressor(ranks=2, init=start).fit(p.X, y, covariates=Z)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bootstrap_leaves_out_resamples_that_cannot_be_fitted():
    """A binary covariate with two ones is constant in about one resample in eight."""
    p, Z, y = problem("gaussian", n=30)
    Z = np.zeros((30, 1))
    Z[:2, 0] = 1.0
    model = LSRRegressor(ranks=1, max_iter=20).fit(p.X, y, covariates=Z)
    with pytest.warns(UserWarning, match=r"bootstrap refits failed .* constant"):
        lower, upper = model.coef_interval(p.X, y, covariates=Z, method="bootstrap", n_boot=40,
                                           random_state=0)  # fmt: skip
    assert np.all(lower <= upper)


def _small_full_rank(seed: int = 19):
    """n = 100 samples of shape (2, 3) with two covariates: full ranks make it a least
    squares problem whose optimum the normal equations give."""
    rng = np.random.default_rng(seed)
    X, Z = rng.normal(size=(100, 2, 3)), rng.normal(size=(100, 2))
    y = np.tensordot(X, rng.normal(size=(2, 3)), 2) + Z @ [1.0, 2.0] + 0.1 * rng.normal(size=100)
    design = np.column_stack([X.reshape(100, -1), Z, np.ones(100)])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    return X, Z, y, solution, 0.5 * np.mean((y - design @ solution) ** 2)


def test_a_fit_stops_only_when_the_covariates_settle_too():
    """Warm-started from a fit without covariates, B barely moves in the first iteration
    while gamma jumps from 0: the fit must go on to the least-squares optimum."""
    X, Z, y, solution, optimum = _small_full_rank()
    plain = fit_lsr(X, y, ranks=(2, 3), fit_intercept=True)
    fit = fit_lsr(X, y, ranks=(2, 3), covariates=Z, fit_intercept=True, init=plain)
    assert fit.converged
    assert fit.history["loss"][-1] == pytest.approx(optimum, rel=1e-6)
    np.testing.assert_allclose(np.asarray(fit.covariate_coef), solution[6:8], rtol=1e-4)


def test_a_warm_start_off_in_its_intercept_returns_to_the_fit():
    """Poisson, intercept moved by 5 or 20 (every mean off by e^20): the L-BFGS memory
    must not keep the intercept's move as B's curvature and crawl to a false stop."""
    X, _, _, _, _ = _small_full_rank()
    y = np.random.default_rng(1).poisson(np.exp(0.09 * X.sum((1, 2)) + 0.5))
    best = fit_lsr(X, y, ranks=(2, 3), fit_intercept=True, family="poisson")
    for offset in (-5.0, 5.0, 20.0):
        start = {"core": best.core, "factors": best.factors, "intercept": best.intercept + offset}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # exp overflows at the start
            fit = fit_lsr(X, y, ranks=(2, 3), fit_intercept=True, family="poisson", init=start)
        assert fit.converged
        assert fit.history["loss"][-1] == pytest.approx(best.history["loss"][-1], rel=1e-9)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the loss at the start
def test_a_warm_start_with_a_non_finite_loss_raises():
    X, Z, y, _, _ = _small_full_rank()
    model = LSRRegressor(ranks=(2, 3)).fit(X, y, covariates=Z)
    start = {"core": model.core_, "factors": model.factors_,
             "covariate_coef": np.array([1e300, 1.0])}  # fmt: skip
    with pytest.raises(ValueError, match="warm start's loss is not finite"):
        LSRRegressor(ranks=(2, 3), init=start).fit(X, y, covariates=Z)


def test_data_frames_of_covariates_keep_their_columns():
    """A data frame's columns are recorded: another order raises instead of swapping
    the coefficients; mixed int and bool columns are numbers."""
    pd = pytest.importorskip("pandas")
    X, Z, y, _, _ = _small_full_rank()
    frame = pd.DataFrame({"age": Z[:, 0], "score": Z[:, 1]})
    model = LSRRegressor(ranks=(2, 3)).fit(X, y, covariates=frame)
    assert model.covariate_names_in_ == ("age", "score")
    np.testing.assert_array_equal(
        model.predict(X, covariates=frame), model.predict(X, covariates=Z)
    )
    with pytest.raises(ValueError, match=r"\['score', 'age'\] are not those .* \['age', 'score'\]"):
        model.predict(X, covariates=frame[["score", "age"]])
    with pytest.raises(ValueError, match="not those the model was fitted with"):
        model.coef_stderr(X, y, covariates=frame[["score", "age"]])
    rng = np.random.default_rng(0)
    site, sex = rng.integers(0, 3, 100), rng.random(100) > 0.5
    mixed = LSRRegressor(ranks=(2, 3)).fit(
        X, y, covariates=pd.DataFrame({"site": site, "sex": sex})
    )
    same = LSRRegressor(ranks=(2, 3)).fit(
        X, y, covariates=np.column_stack([site, sex]).astype(float)
    )
    np.testing.assert_allclose(mixed.covariate_coef_, same.covariate_coef_, rtol=1e-9)


def test_tiny_prediction_covariates_are_just_small_terms():
    """A fit refuses a column that underflows X's dtype (it cannot estimate its
    coefficient), but a prediction from a tiny value is that value's (tiny) term."""
    X, Z, y, _, _ = _small_full_rank()
    X32 = X.astype(np.float32)
    model = LSRRegressor(ranks=(2, 3)).fit(X32, y, covariates=Z)
    tiny = model.predict(X32[:1], covariates=np.array([[1e-35, 1.0]]))
    zero = model.predict(X32[:1], covariates=np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(tiny, zero, rtol=1e-6)
    with pytest.raises(ValueError, match="outside the range of X's dtype"):
        model.predict(X32[:1], covariates=np.array([[1e38, 1.0]]))


def test_bootstrap_checks_its_data_against_the_model_first():
    """The bootstrap's data are checked like the Fisher errors' before any refit."""
    X, Z, y, _, _ = _small_full_rank()
    model = LSRRegressor(ranks=(2, 3)).fit(X, y, covariates=Z)
    plain = LSRRegressor(ranks=(2, 3)).fit(X, y)
    boot = {"method": "bootstrap", "n_boot": 3, "random_state": 0}
    cases = [
        (lambda: model.coef_stderr(X, y, **boot), "fitted with 2 covariates"),
        (lambda: plain.coef_stderr(X, y, covariates=Z, **boot), "fitted without covariates"),
        (lambda: model.coef_stderr(X, y[:-1], covariates=Z, **boot), "y has 99 entries"),
        (lambda: model.coef_stderr(X, y, covariates=Z[:-1], **boot), r"shape \(100, 2\)"),
        (lambda: model.coef_stderr(X[:, :, :2], y, covariates=Z, **boot), "sample shape"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    from_list = model.coef_stderr(X.tolist(), y, covariates=Z, **boot)
    np.testing.assert_array_equal(from_list, model.coef_stderr(X, y, covariates=Z, **boot))


@pytest.mark.parametrize("schedule", ["als", "lbfgs"])
def test_covariates_correlated_with_the_tensor_reach_least_squares(schedule):
    """Covariates that nearly copy two tensor entries (correlation 0.995): ALS solves
    them with the core as one block; L-BFGS at least reaches the optimum's loss."""
    rng = np.random.default_rng(23)
    X = rng.normal(size=(150, 2, 3))
    Z = np.column_stack([X[:, 0, 0] + 0.1 * rng.normal(size=150),
                         2 * X[:, 1, 2] + 0.1 * rng.normal(size=150)])  # fmt: skip
    y = np.tensordot(X, 0.3 * rng.normal(size=(2, 3)), 2) + Z @ [0.5, -0.5]
    y = y + 0.3 * rng.normal(size=150)
    design = np.column_stack([X.reshape(150, -1), Z, np.ones(150)])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    optimum = 0.5 * np.mean((y - design @ solution) ** 2)
    model = LSRRegressor(ranks=(2, 3), schedule=schedule, max_iter=500).fit(X, y, covariates=Z)
    assert model.history_["loss"][-1] == pytest.approx(optimum, rel=1e-6)
    if schedule == "als":
        assert model.converged_
        np.testing.assert_allclose(model.coef_.ravel(), solution[:6], atol=1e-6)
        np.testing.assert_allclose(model.covariate_coef_, solution[6:8], atol=1e-6)


def test_a_covariate_seen_only_on_zero_weight_samples_raises():
    X, Z, y, _, _ = _small_full_rank()
    weight = np.r_[np.ones(50), np.zeros(50)]
    only_dropped = np.c_[Z[:, :1], np.r_[np.zeros(50), np.ones(50)]]
    with pytest.raises(ValueError, match="constant on the samples of positive weight"):
        LSRRegressor(ranks=(2, 3)).fit(X, y, sample_weight=weight, covariates=only_dropped)
    with pytest.raises(ValueError, match="collinear on the samples of positive weight"):
        LSRRegressor(ranks=(2, 3), fit_intercept=False).fit(
            X, y, sample_weight=weight, covariates=np.c_[Z[:, :1], only_dropped[:, 1:]]
        )
    LSRRegressor(ranks=(2, 3)).fit(X, y, sample_weight=weight, covariates=Z)  # identified
