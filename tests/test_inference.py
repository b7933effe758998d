"""Standard errors and intervals of the coefficient tensor (lsr_arrayapi.inference)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import problem_on
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from lsr_arrayapi import LSRClassifier, LSRGammaRegressor, LSRRegressor, LSRTensorGLM
from lsr_arrayapi.data.datasets import make_lsr_problem, make_multiclass_problem, true_lsr
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.data.multi_output import MultiOutputDesign
from lsr_arrayapi.inference import fisher
from lsr_arrayapi.linalg.tensor import lsr_tensor
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.plugins.instances import make_family

SHAPE = (4, 5, 6)


def fitted(family: str = "gaussian", S: int = 1, n: int = 300, ranks=(2, 2, 2), **options):
    p = make_lsr_problem(n, sample_shape=SHAPE, ranks=ranks, separation_rank=S, family=family,
                         random_state=3)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSRTensorGLM(family, ranks=ranks, separation_rank=S, random_state=0, tol=1e-10,
                             max_iter=2000, **options).fit(p.X, p.y)  # fmt: skip
    return model, p


@pytest.mark.parametrize("family", ["gaussian", "logistic", "poisson", "gamma"])
def test_full_rank_model_has_the_glm_standard_errors(family):
    """Ranks equal to the dimensions: the model is an ordinary GLM, whose errors are
    ``sqrt(diag((Z^T W Z)^{-1}) phi)`` on the design Z = [X_flat, 1], with Pearson's
    dispersion for the families that have one."""
    model, p = fitted(family, n=400, ranks=SHAPE)
    X, y = np.asarray(p.X), np.asarray(p.y)
    Z = np.concatenate([X.reshape(len(y), -1), np.ones((len(y), 1))], axis=1)
    eta = Z[:, :-1] @ model.coef_.ravel() + model.intercept_
    mu = {"gaussian": eta, "logistic": 1 / (1 + np.exp(-eta))}.get(family, np.exp(eta))
    weight = {"gaussian": 1.0, "logistic": mu * (1 - mu), "poisson": mu, "gamma": 1.0}[family]
    weight = np.broadcast_to(weight, eta.shape)
    pearson = {"gaussian": (y - mu) ** 2, "gamma": (y - mu) ** 2 / mu**2}
    phi = np.sum(pearson[family]) / (len(y) - Z.shape[1]) if family in pearson else 1.0
    expected = np.sqrt(np.diag(np.linalg.inv(Z.T @ (weight[:, None] * Z))) * phi)[:-1]
    np.testing.assert_allclose(model.coef_stderr(X, y).ravel(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    ("family", "S"), [("poisson", 1), ("logistic", 2), ("gaussian", 2), ("multinomial", 2)]
)
def test_observed_information_is_the_hessian_in_the_model_coordinates(family, S):
    """Away from the fit (so the curvature term is not negligible), the information
    equals the second difference of ``n * loss`` along random coordinate directions,
    the factors moved by the polar retraction (multinomial: 3 classes, the class mode
    first)."""
    rng = np.random.default_rng(1)
    n = 200
    if family == "multinomial":
        p = make_multiclass_problem(n, 3, sample_shape=SHAPE, ranks=(2, 2, 3), random_state=3)
        design = MultiOutputDesign(InMemoryDesign(p.X), 2)
        core, factors, _ = true_lsr((2, *SHAPE), (2, 2, 2, 3), S, rng)
    else:
        p = make_lsr_problem(n, sample_shape=SHAPE, ranks=(2, 2, 3), separation_rank=S,
                             family=family, random_state=3)  # fmt: skip
        design = InMemoryDesign(p.X)
        core, factors, _ = true_lsr(SHAPE, (2, 2, 3), S, rng)
    objective = Objective(make_family(family), p.y, None, 0.0)
    eta = design.forward(lsr_tensor(core, factors))
    jac = fisher._forward_many(design, fisher.tangent_directions(core, factors))
    information = fisher._gauss_newton(objective, eta, jac, n)
    residual = design.adjoint(objective.sample_gradient(eta))
    information += n * fisher.curvature_term(residual, core, factors)
    tangents = [[fisher.stiefel_tangents(U) for U in term] for term in factors]

    def loss(theta):
        start, moved = 0, []
        for term, term_tangents in zip(factors, tangents, strict=True):
            moved.append([])
            for U, T in zip(term, term_tangents, strict=True):
                u, _, vt = np.linalg.svd(U + np.tensordot(theta[start:start + len(T)], T, 1),
                                         full_matrices=False)  # fmt: skip
                moved[-1].append(u @ vt)
                start += len(T)
        B = lsr_tensor(core + theta[start:].reshape(core.shape), moved)
        return n * float(objective.data_loss(design.forward(B)))

    for _ in range(3):
        v = rng.standard_normal(information.shape[0])
        step = 1e-4
        second = (loss(step * v) - 2 * loss(0 * v) + loss(-step * v)) / step**2
        assert second == pytest.approx(v @ information @ v, rel=1e-4)


def test_standard_errors_do_not_depend_on_the_gauge():
    """Rotating a Tucker factor and counter-rotating the core is the same B: same errors."""
    model, p = fitted("logistic", n=400)
    before = model.coef_stderr(p.X, p.y)
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((2, 2)))
    model.factors_[0][1] = model.factors_[0][1] @ Q
    model.core_ = np.tensordot(model.core_, Q, axes=([1], [0])).transpose(0, 2, 1)
    np.testing.assert_allclose(lsr_tensor(model.core_, model.factors_), model.coef_, atol=1e-12)
    np.testing.assert_allclose(model.coef_stderr(p.X, p.y), before, rtol=1e-7)


@settings(max_examples=10, deadline=None)
@given(exponent=st.integers(-4, 4), family=st.sampled_from(["gaussian", "poisson"]))
def test_standard_errors_scale_with_one_over_the_scale_of_X(exponent, family):
    """X times c divides B and its errors by c (the fit being scale-equivariant)."""
    model, p = fitted(family, n=300)
    c = 10.0**exponent
    scaled = LSRTensorGLM(family, ranks=2, init={"core": model.core_ / c, "factors": model.factors_},
                          tol=1e-10, max_iter=2000).fit(p.X * c, p.y)  # fmt: skip
    np.testing.assert_allclose(scaled.coef_ * c, model.coef_, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(scaled.coef_stderr(p.X * c, p.y) * c, model.coef_stderr(p.X, p.y),
                               rtol=1e-4)  # fmt: skip


@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_intervals_agree_across_backends_and_stay_there(name):
    backend = load_backend(name)
    model, p = fitted("poisson", S=2, n=400)
    reference = model.coef_interval(p.X, p.y)
    q = problem_on(backend, n_samples=400, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=2,
                   family="poisson", random_state=3)  # fmt: skip
    moved = LSRTensorGLM(
        "poisson",
        ranks=2,
        separation_rank=2,
        tol=1e-10,
        max_iter=2000,
        init={
            "core": backend.asarray(model.core_),
            "factors": [[backend.asarray(f) for f in t] for t in model.factors_],
        },
    )
    moved.fit(q.X, q.y)  # fmt: skip
    lower, upper = moved.coef_interval(q.X, q.y)
    assert type(lower) is type(q.X)
    # two converged fits agree to about sqrt(eps) times B's scale (the loss, not B, is
    # what converges to working precision): atol 1e-7 for entries of order 0.1 - 1
    for got, want in zip((lower, upper), reference, strict=True):
        np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-5, atol=1e-7)


def test_intervals_hold_the_estimate_and_widen_with_the_level():
    model, p = fitted("logistic", S=2, n=400)
    lower, upper = model.coef_interval(p.X, p.y, alpha=0.05)
    assert np.all(lower < model.coef_) and np.all(model.coef_ < upper)
    narrow = model.coef_interval(p.X, p.y, alpha=0.5)
    assert np.all(narrow[0] > lower) and np.all(narrow[1] < upper)


def test_gaussian_wald_intervals_cover_at_their_level():
    """A small simulation: 30 data sets from one truth, n = 165 (6 times the model's dimension),
    cold-started fits; nominal 95 % intervals cover 93-97 % of B's entries."""
    rng = np.random.default_rng(7)
    _, _, coef = true_lsr(SHAPE, (2, 2, 2), 1, rng)
    covered = []
    for replicate in range(30):
        X = rng.standard_normal((165, *SHAPE))
        y = X.reshape(165, -1) @ coef.ravel() + 0.1 * rng.standard_normal(165)
        model = LSRRegressor(ranks=2, random_state=replicate).fit(X, y)
        lower, upper = model.coef_interval(X, y)
        covered.append(np.mean((lower <= coef) & (coef <= upper)))
    assert 0.93 <= np.mean(covered) <= 0.97


def test_threaded_bootstrap_leaves_the_warning_filters_as_they_were():
    """Each refit silenced its warnings in its worker thread; ``catch_warnings`` swaps the
    process-wide filters, so threads restored each other's "ignore" and every later
    warning of the process was lost."""
    model, p = fitted("gaussian", n=200)
    before = list(warnings.filters)
    for seed in range(4):
        model.coef_interval(p.X, p.y, method="bootstrap", n_boot=16, n_jobs=2, random_state=seed)
        assert warnings.filters == before


def test_bootstrap_is_reproducible_and_threads_do_not_change_it():
    model, p = fitted("gaussian", n=200)
    one = model.coef_interval(p.X, p.y, method="bootstrap", n_boot=6, random_state=4)
    two = model.coef_interval(p.X, p.y, method="bootstrap", n_boot=6, random_state=4, n_jobs=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(one[0] <= one[1])
    stderr = model.coef_stderr(p.X, p.y, method="bootstrap", n_boot=6, random_state=4)
    assert stderr.shape == SHAPE and np.all(stderr > 0)


def test_bootstrap_resamples_labels_of_any_kind():
    p = make_lsr_problem(200, sample_shape=SHAPE, ranks=(2, 2, 2), family="logistic",
                         random_state=1)  # fmt: skip
    labels = np.where(np.asarray(p.y) > 0, "yes", "no").tolist()
    model = LSRClassifier(ranks=2, random_state=0).fit(p.X, labels)
    lower, upper = model.coef_interval(p.X, labels, method="bootstrap", n_boot=4, random_state=0)
    assert lower.shape == SHAPE and np.all(lower <= upper)
    fisher_lower, _ = model.coef_interval(p.X, labels)
    assert np.all(np.isfinite(fisher_lower))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "delta"}, "method must be one of"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": 0}, "alpha"),
        ({"method": "bootstrap", "n_boot": 1}, "n_boot"),
    ],
)
def test_bad_interval_options_raise(options, message):
    model, p = fitted("gaussian", n=200)
    with pytest.raises(ValueError, match=message):
        model.coef_interval(p.X, p.y, **options)


def test_intervals_need_a_fit_and_the_fitted_shape():
    p = make_lsr_problem(100, sample_shape=SHAPE, ranks=(2, 2, 2), random_state=0)
    with pytest.raises(NotFittedError):
        LSRRegressor().coef_interval(p.X, p.y)
    model, _ = fitted("gaussian", n=200)
    with pytest.raises(ValueError, match="sample shape"):
        model.coef_stderr(np.zeros((10, 4, 5, 7)), np.zeros(10))


def test_fisher_errors_for_X_in_another_namespace_than_the_fit():
    """A torch fit asked with NumPy X: the fitted arrays follow X, the errors come back
    in coef_'s namespace, equal to the NumPy fit's."""
    torch = pytest.importorskip("torch")
    model, p = fitted("gaussian", n=300)
    moved = LSRTensorGLM("gaussian", ranks=2, tol=1e-10, max_iter=2000,
                         init={"core": torch.asarray(model.core_),
                               "factors": [[torch.asarray(f) for f in t] for t in model.factors_]},
                         ).fit(torch.asarray(p.X), torch.asarray(p.y))  # fmt: skip
    stderr = moved.coef_stderr(p.X, p.y)
    lower, _ = moved.coef_interval(p.X, p.y)
    assert isinstance(stderr, torch.Tensor) and isinstance(lower, torch.Tensor)
    np.testing.assert_allclose(stderr.numpy(), model.coef_stderr(p.X, p.y), rtol=1e-5)


@pytest.mark.parametrize("family", ["gaussian", "poisson"])
def test_zero_weights_are_samples_dropped(family):
    """The information counts the samples with positive weight: zero-weighting half the
    samples gives the errors of the fit to the other half, and equal weights are none."""
    p = make_lsr_problem(400, sample_shape=SHAPE, ranks=(2, 2, 2), family=family, random_state=3)
    X, y = np.asarray(p.X), np.asarray(p.y)
    weight = np.r_[np.ones(200), np.zeros(200)]
    options = {"ranks": 2, "random_state": 0, "tol": 1e-10, "max_iter": 2000}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = LSRTensorGLM(family, **options).fit(X, y, sample_weight=weight)
        dropped = LSRTensorGLM(family, **options).fit(X[:200], y[:200])
    np.testing.assert_allclose(weighted.coef_stderr(X, y, sample_weight=weight),
                               dropped.coef_stderr(X[:200], y[:200]), rtol=1e-5)  # fmt: skip
    equal = weighted.coef_stderr(X[:200], y[:200], sample_weight=np.full(200, 7.0))
    np.testing.assert_allclose(equal, weighted.coef_stderr(X[:200], y[:200]), rtol=1e-12)


def test_interval_options_take_numpy_scalars_and_name_a_bad_seed():
    model, p = fitted("gaussian", n=200)
    lower = model.coef_interval(p.X, p.y, alpha=np.float32(0.1))[0]
    np.testing.assert_allclose(lower, model.coef_interval(p.X, p.y, alpha=0.1)[0], rtol=1e-6)
    boot = model.coef_stderr(p.X, p.y, method="bootstrap", n_boot=np.int64(3), random_state=0)
    assert boot.shape == SHAPE
    with pytest.raises(ValueError, match="random_state must be a non-negative int, got -1"):
        model.coef_stderr(p.X, p.y, method="bootstrap", n_boot=3, random_state=-1)


def test_entries_the_data_do_not_determine_get_infinite_errors():
    """A covariate that copies a tensor entry at full rank: that entry (and the
    covariate's coefficient) is not identified; its error is inf, not rounding noise."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 2, 3))
    Z = np.c_[rng.standard_normal(80), X[:, 0, 0]]
    y = X[:, 0, 0] + Z[:, 0] + 0.1 * rng.standard_normal(80)
    model = LSRRegressor(ranks=(2, 3)).fit(X, y, covariates=Z)
    stderr = model.coef_stderr(X, y, covariates=Z)
    assert stderr[0, 0] == np.inf
    assert np.all(np.isfinite(stderr.ravel()[1:])) and np.all(stderr.ravel()[1:] < 0.05)


@pytest.mark.parametrize("estimator", [LSRRegressor, LSRGammaRegressor])
def test_a_fit_with_zero_dispersion_has_zero_errors(estimator):
    """y constant: the fit is exact, the estimated dispersion 0, the errors 0 (not a
    failed eigendecomposition), and the criteria warn that they are infinite."""
    X = np.random.default_rng(0).standard_normal((80, 2, 3))
    y = np.full(80, 2.0)
    # a pinned start: from some random starts the fit stops 1e-8 short of exact
    model = estimator(ranks=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.coef_stderr(X, y), 0.0)
    lower, upper = model.coef_interval(X, y)
    np.testing.assert_array_equal(lower, upper)
    with pytest.warns(UserWarning, match="log-likelihood is infinite"):
        assert model.aic(X, y) == -np.inf
