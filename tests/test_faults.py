"""Hostile input and faults: one test per class of fault, each reported by the library's
own exceptions with a message naming the input (see lsr_arrayapi.exceptions)."""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.util
import math
import sys
import threading
import types
import warnings

import array_api_strict
import numpy as np
import pytest
from helpers import plugin_module
from sklearn.exceptions import NotFittedError

import lsr_arrayapi
from lsr_arrayapi import (
    LSRClassifier,
    LSRPoissonRegressor,
    LSRRegressor,
    LSRTensorGLM,
    fit_lsr,
    hookimpl,
    register_plugin,
    unregister_plugin,
)
from lsr_arrayapi.data.io import open_npy
from lsr_arrayapi.exceptions import (
    InvalidParameterError,
    NumericalError,
    PluginError,
    PluginWarning,
)
from lsr_arrayapi.families import Gaussian
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal
from lsr_arrayapi.plugins import manager as plugin_registry
from lsr_arrayapi.reproduce.vessel_data import load_vesselmnist3d

RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 4, 5, 3))
Y = RNG.standard_normal(30)
LABELS = (Y > 0).astype(np.int64)
QUICK = {"ranks": 2, "max_iter": 3}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(converge|samples for).*")
        yield


def _plugin(rules=(), families=()):
    return plugin_module(rules, families)


class _QR:
    """A valid rule (a QR step) to derive broken ones from."""

    name = "fault_qr"
    orthonormal = True

    def init_state(self, W):
        return None

    def step(self, W, grad, state, lr):
        return qr_orthonormal(W - lr * grad), state


# -- 1. prediction from one sample, methods before fit ------------------------------------
def test_one_sample_predicts_and_unfitted_models_raise_not_fitted():
    regressor = LSRRegressor(**QUICK, random_state=0).fit(X, Y)
    np.testing.assert_allclose(regressor.predict(X[:1]), regressor.predict(X)[:1])
    classifier = LSRClassifier(**QUICK, random_state=0).fit(X, LABELS)
    assert classifier.predict_proba(X[:1]).shape == (1, 2)
    assert classifier.decision_function(X[:1]).shape == (1,)
    assert classifier.predict(X[:1])[0] == classifier.predict(X)[0]
    for model in (LSRRegressor(), LSRClassifier(), LSRPoissonRegressor(), LSRTensorGLM()):
        for method in ("predict", "decision_function", "predict_proba"):
            if hasattr(model, method):
                with pytest.raises(NotFittedError):
                    getattr(model, method)(X)
        with pytest.raises(NotFittedError):
            model.score(X, Y)
    with pytest.raises(ValueError, match="at least 2 samples"):
        LSRRegressor(**QUICK).fit(X[:1], Y[:1])


# -- 2. score validates y and sample_weight ------------------------------------------------
def test_score_validates_y_and_weights_and_stays_finite():
    model = LSRRegressor(**QUICK, random_state=0).fit(X, Y)
    for y, match in [
        (Y[:, None], r"y must be 1-D, got shape \(30, 1\)"),
        (Y[:5], "y has 5 entries but X has 30 samples"),
        (np.where(Y > 1, np.nan, Y), "y contains NaN"),
    ]:
        with pytest.raises(ValueError, match=match):
            model.score(X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        model.score(X, Y, sample_weight=np.ones(4))
    assert model.score(X, np.full(30, 2.0)) == 0.0  # constant y: no spread to explain

    glm = LSRTensorGLM(**QUICK, random_state=0).fit(X, Y)
    half = np.r_[np.ones(15), np.zeros(15)]
    assert glm.score(X, Y, sample_weight=half) == pytest.approx(glm.score(X[:15], Y[:15]))
    assert glm.score(X, Y, sample_weight=half) != pytest.approx(glm.score(X, Y))
    with pytest.raises(TypeError, match="sample_weight must be"):
        glm.score(X, Y, sample_weight="heavy")

    counts = RNG.poisson(1.0, 30)
    poisson = LSRPoissonRegressor(**QUICK, random_state=0).fit(X, counts)
    assert poisson.score(X, np.zeros(30)) == 0.0  # all-zero y: finite (mu > 0, no perfect fit)
    with pytest.raises(ValueError, match="non-negative"):
        poisson.score(X, -np.ones(30))

    X32 = X.astype(np.float32)
    classifier = LSRClassifier(**QUICK, random_state=0).fit(X32, LABELS)
    weights = np.random.default_rng(7).random(30).astype(np.float32)
    assert float(np.sum(weights / np.sum(weights))) > 1.0  # the rounding that once leaked
    assert classifier.score(X32, classifier.predict(X32), sample_weight=weights) == 1.0


# -- 3. parameter types --------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, value",
    [
        ("ranks", 2.5), ("ranks", "2"), ("ranks", [2, True]), ("separation_rank", 1.5),
        ("max_iter", np.inf), ("max_iter", -1), ("tol", "small"), ("tol", np.nan),
        ("alpha", "x"), ("alpha", -1.0), ("lr", 0.0), ("n_init", None), ("random_state", -1),
        ("random_state", "seed"), ("init", np.zeros(3)), ("init", "magic"),
        ("rule", lsr_arrayapi.rules.projected.QRRule), ("rule", 3), ("family", None),
        ("family", lsr_arrayapi.families.Gaussian), ("fit_intercept", "yes"), ("schedule", 1),
        ("rule_options", [("lr", 1)]), ("callback", "print"), ("verbose", -2),
    ],
)  # fmt: skip
def test_every_parameter_is_checked_by_the_table(name, value):
    with pytest.raises(InvalidParameterError, match=rf"fit_lsr: parameter '{name}' must be"):
        fit_lsr(X, Y, **({"ranks": 2} | {name: value}))
    if name not in ("callback", "family"):
        with pytest.raises(InvalidParameterError, match=rf"LSRRegressor: parameter '{name}'"):
            LSRRegressor(**{name: value}).fit(X, Y)


def test_numpy_scalars_are_accepted_where_numbers_are():
    fit = fit_lsr(
        X, Y, ranks=np.int64(2), separation_rank=np.int32(1), max_iter=np.int64(2),
        tol=np.float32(1e-3), alpha=np.float64(0.1), random_state=np.int64(3),
        fit_intercept=np.bool_(True), init="random",
    )  # fmt: skip
    assert fit.n_iter <= 2
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


# -- 4. non-finite options, starts and rule steps ------------------------------------------
def test_non_finite_options_starts_and_rule_steps_are_caught():
    with pytest.raises(InvalidParameterError, match="'alpha' must be a finite number"):
        fit_lsr(X, Y, ranks=2, alpha=np.inf)
    start = fit_lsr(X, Y, ranks=2, max_iter=1, init="random", random_state=0)
    core = np.asarray(start.core).copy()
    core[0, 0, 0] = np.nan
    factors = [[np.asarray(W).copy() for W in term] for term in start.factors]
    factors[0][1][0, 0] = np.inf
    for bad, match in [
        ({"core": core, "factors": start.factors}, "core has NaN"),
        ({"core": start.core, "factors": factors}, r"factors\[0\]\[1\] has NaN"),
        ({"core": start.core, "factors": start.factors, "intercept": np.nan}, "intercept"),
        ({"core": start.core, "factors": 3}, "factors"),
    ]:
        with pytest.raises(InvalidParameterError, match=f"init: .*{match}"):
            fit_lsr(X, Y, ranks=2, init=bad)

    class NaNRule(_QR):
        name = "nan_rule"

        def step(self, W, grad, state, lr):
            return W * np.nan, state

    class NotOrthonormal(_QR):
        name = "not_orthonormal"

        def step(self, W, grad, state, lr):
            return W - lr * grad, state  # no retraction, yet declares orthonormal = True

    class HostRule(_QR):
        name = "host_rule"

        def step(self, W, grad, state, lr):
            return np.asarray(super().step(W, grad, state, lr)[0]), state

    class Float32Rule(_QR):
        name = "float32_rule"

        def step(self, W, grad, state, lr):
            return super().step(W, grad, state, lr)[0].astype(np.float32), state

    cases = [
        (NaNRule(), X, "non-finite"),
        (NotOrthonormal(), X, r"W\^T W - I"),
        (Float32Rule(), X, "returned dtype float32 for factor of dtype float64"),
    ]
    if importlib.util.find_spec("torch") is not None:  # a host array for a torch factor
        import torch

        message = "returned a numpy.ndarray for a torch.Tensor factor"
        cases.append((HostRule(), torch.asarray(X), message))
    for rule, data, match in cases:
        with pytest.raises(PluginError, match=f"update rule '{rule.name}' .*{match}"):
            fit_lsr(data, Y, ranks=2, rule=rule, init="random", random_state=0)
    assert fit_lsr(X, Y, ranks=2, rule=_QR(), max_iter=3, init="random").n_iter == 3


class _BrokenGaussian(Gaussian):
    """A plugin family with one broken member: ``fault`` names it."""

    name = "broken_gaussian"

    def __init__(self, fault):
        self.fault = fault

    def grad(self, eta, y):
        if self.fault == "nan grad":
            return (eta - y) * np.nan
        if self.fault == "scalar grad":
            return np.sum(eta - y)
        if self.fault == "float32 grad":
            return (eta - y).astype(np.float32)
        return super().grad(eta, y)

    def pointwise_loss(self, eta, y):
        if self.fault == "nan loss":
            return np.full(eta.shape, np.nan)
        if self.fault == "raising loss":
            raise KeyError("no such column")
        return super().pointwise_loss(eta, y)

    def loss(self, eta, y):
        return np.mean(self.pointwise_loss(eta, y))


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        ("nan grad", "its grad returned non-finite values at a finite eta"),
        ("scalar grad", r"its grad returned shape \(\) for eta of shape \(30,\)"),
        ("float32 grad", "its grad returned dtype float32 for eta of dtype float64"),
        ("nan loss", "its (pointwise_)?loss returned NaN at a finite eta"),
        ("raising loss", "its (pointwise_)?loss raised KeyError: 'no such column'"),
    ],
)
@pytest.mark.parametrize("schedule", ["als", "lbfgs"])
def test_a_broken_plugin_family_is_named_not_the_data(fault, match, schedule):
    with pytest.raises(PluginError, match=f"family 'broken_gaussian' broke .*{match}"):
        fit_lsr(X, Y, ranks=2, family=_BrokenGaussian(fault), schedule=schedule, random_state=0)
    # the same subclass without the fault fits, and the result is the built-in family's
    sound = fit_lsr(X, Y, ranks=2, family=_BrokenGaussian(None), schedule=schedule, random_state=0)
    builtin = fit_lsr(X, Y, ranks=2, family="gaussian", schedule=schedule, random_state=0)
    np.testing.assert_allclose(sound.coef, builtin.coef, rtol=1e-10, atol=1e-12)


# -- 5. linear-algebra faults --------------------------------------------------------------
def test_degenerate_ranks_fail_up_front_and_linalg_errors_are_translated():
    X1 = RNG.standard_normal((50, 1, 1))
    with pytest.raises(InvalidParameterError, match="separation_rank=2 is too large"):
        fit_lsr(X1, X1[:, 0, 0], ranks=1, separation_rank=2)

    class SingularRule(_QR):
        name = "singular"

        def step(self, W, grad, state, lr):
            raise np.linalg.LinAlgError("SVD did not converge")

    with pytest.raises(NumericalError, match=r"fit_lsr: .*SVD did not converge") as info:
        fit_lsr(X, Y, ranks=2, rule=SingularRule(), init="random")
    assert isinstance(info.value.__cause__, np.linalg.LinAlgError)
    assert isinstance(info.value, FloatingPointError) and isinstance(info.value, ValueError)


# -- 6. options a schedule does not use ----------------------------------------------------
@pytest.mark.parametrize(
    "options, unused",
    [
        ({"schedule": "lbfgs", "lr": 0.1}, "lr"),
        ({"schedule": "lbfgs", "rule": "qr"}, "rule"),
        ({"schedule": "lbfgs", "rule_options": {"sign_fix": False}}, "rule_options"),
        ({"schedule": "als", "lr": 0.1, "separation_rank": 2}, "lr"),
        ({"schedule": "als", "rule": "muon"}, "rule"),
    ],
)
def test_options_a_schedule_does_not_use_are_errors(options, unused):
    with pytest.raises(InvalidParameterError, match=f"does not use {unused}"):
        fit_lsr(X, Y, ranks=2, **options)


def test_options_a_schedule_uses_are_accepted():
    fit_lsr(X, Y, ranks=2, schedule="gauss_seidel", lr=0.01, max_iter=1, init="random")
    fit_lsr(X, Y, ranks=2, schedule="als", rule="qr", separation_rank=2, max_iter=1)
    with pytest.raises(InvalidParameterError, match="n_init=4 applies to init='lift' only"):
        fit_lsr(X, Y, ranks=2, init="random", n_init=4)


# -- 7. low precision ----------------------------------------------------------------------
def test_low_and_extended_precision_x_is_a_type_error_up_front():
    torch = pytest.importorskip("torch")
    for X_bad in (X.astype(np.float16), X.astype(np.longdouble), torch.asarray(X).half(),
                  torch.asarray(X).bfloat16()):  # fmt: skip
        with pytest.raises(TypeError, match="lsr_arrayapi computes in float32 or float64"):
            fit_lsr(X_bad, Y, ranks=2)
        with pytest.raises(TypeError, match="X has dtype"):
            LSRRegressor(ranks=2).fit(X_bad, Y)
    fit = fit_lsr(X, Y.astype(np.float16), **QUICK)  # y follows X's dtype
    assert fit.coef.dtype == np.float64


# -- 8. containers -------------------------------------------------------------------------
def test_masked_sparse_and_autograd_containers():
    masked_y = np.ma.masked_array(Y, mask=Y > 1)
    with pytest.raises(ValueError, match=f"y is a masked array with {int((Y > 1).sum())} masked"):
        fit_lsr(X, masked_y, ranks=2)
    with pytest.raises(ValueError, match="X is a masked array"):
        fit_lsr(np.ma.masked_array(X, mask=X > 2), Y, ranks=2)
    unmasked = fit_lsr(np.ma.masked_array(X), np.ma.masked_array(Y), **QUICK, random_state=0)
    np.testing.assert_array_equal(unmasked.coef, fit_lsr(X, Y, **QUICK, random_state=0).coef)

    torch = pytest.importorskip("torch")
    X_grad = torch.asarray(X, requires_grad=True)
    with pytest.warns(UserWarning, match="X requires grad.*X.detach"):
        model = LSRRegressor(**QUICK).fit(X_grad, Y)
    assert model.coef_.grad_fn is None and not model.coef_.requires_grad
    copy.deepcopy(model)
    assert model.predict(X_grad).requires_grad  # prediction stays differentiable in X
    with pytest.raises(TypeError, match=r"X is a torch tensor with layout torch\.sparse_coo"):
        fit_lsr(torch.asarray(X).to_sparse(), Y, ranks=2)
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="y is a SciPy sparse"):
        fit_lsr(X, scipy_sparse.csr_matrix(Y[None, :]), ranks=2)


# -- 9. backend capabilities ---------------------------------------------------------------
def test_backend_capabilities_are_checked_at_the_edge():
    xps = array_api_strict
    with xps.ArrayAPIStrictFlags(api_version="2022.12"):
        with pytest.raises(
            TypeError, match=r"array API version 2022\.12; lsr_arrayapi needs 2023\.12"
        ):
            fit_lsr(xps.asarray(X), xps.asarray(Y), ranks=2)
    with xps.ArrayAPIStrictFlags(enabled_extensions=()):
        with pytest.raises(TypeError, match="lacks the linalg extension"):
            fit_lsr(xps.asarray(X), xps.asarray(Y), ranks=2)
    with xps.ArrayAPIStrictFlags(data_dependent_shapes=False):
        model = LSRClassifier(**QUICK).fit(xps.asarray(X), xps.asarray(LABELS))
        assert model.classes_.shape == (2,)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="'meta' device"):
        fit_lsr(torch.empty((30, 4, 5, 3), device="meta"), Y, ranks=2)


# -- 10. classifier outputs in X's namespace -----------------------------------------------
@pytest.mark.parametrize("backend_name", ["numpy", "array_api_strict", "torch:cpu"])
@pytest.mark.parametrize("kind", ["bool", "int list", "float numpy"])
def test_numeric_and_boolean_classes_stay_in_xs_namespace(backend_name, kind):
    from conftest import load_backend

    backend = load_backend(backend_name)
    Xb = backend.asarray(X)
    labels = {"bool": Y > 0, "int list": [int(v) for v in LABELS], "float numpy": LABELS * 2.5}
    model = LSRClassifier(**QUICK, random_state=0).fit(Xb, labels[kind])
    assert type(model.classes_) is type(Xb)
    predicted = model.predict(Xb)
    assert type(predicted) is type(Xb)
    expected = [False, True] if kind == "bool" else ([0, 1] if kind == "int list" else [0, 2.5])
    assert backend.to_numpy(model.classes_).tolist() == expected
    assert 0.0 <= model.score(Xb, labels[kind]) <= 1.0
    strings = LSRClassifier(**QUICK, random_state=0).fit(Xb, np.where(Y > 0, "yes", "no"))
    assert isinstance(strings.predict(Xb), np.ndarray)  # no string dtype in the array API


# -- 11. plugin registry faults ------------------------------------------------------------
def _rule_class(name):
    return type(name, (_QR,), {"name": name})


def test_registry_is_thread_safe():
    plugins = [_plugin([_rule_class(f"thread_rule_{i}")]) for i in range(8)]
    barrier = threading.Barrier(8)
    errors = []

    def register(plugin):
        barrier.wait()
        try:
            register_plugin(plugin)
        except Exception as exc:  # collected: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(p,)) for p in plugins]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert {f"thread_rule_{i}" for i in range(8)} <= set(lsr_arrayapi.available_rules())

        def churn(plugin):
            for _ in range(20):
                unregister_plugin(plugin)
                register_plugin(plugin)
                lsr_arrayapi.available_rules()

        churners = [threading.Thread(target=churn, args=(p,)) for p in plugins]
        for thread in churners:
            thread.start()
        for thread in churners:
            thread.join()
        assert {f"thread_rule_{i}" for i in range(8)} <= set(lsr_arrayapi.available_rules())
    finally:
        for plugin in plugins:
            unregister_plugin(plugin)


def test_entry_points_load_in_isolation(monkeypatch, tmp_path):
    class PluginClass:
        @hookimpl
        def lsr_arrayapi_update_rules(self):
            return [_rule_class("class_rule")]

    modules = {
        "ep_good": _plugin([_rule_class("ep_good_rule")]),
        "ep_class_module": types.SimpleNamespace(PluginClass=PluginClass),
        "ep_clash": _plugin([_rule_class("qr")]),  # a built-in's name, no replace = True
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    entry_points = [
        importlib.metadata.EntryPoint("broken", "ep_does_not_exist", "lsr_arrayapi"),
        importlib.metadata.EntryPoint("class_module", "ep_class_module", "lsr_arrayapi"),
        importlib.metadata.EntryPoint("a_class", "ep_class_module:PluginClass", "lsr_arrayapi"),
        importlib.metadata.EntryPoint("clash", "ep_clash", "lsr_arrayapi"),
        importlib.metadata.EntryPoint("good", "ep_good", "lsr_arrayapi"),
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: entry_points)
    monkeypatch.delenv("LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setattr(plugin_registry, "_manager", None)
    monkeypatch.setattr(plugin_registry, "_tables", {})
    with pytest.warns(PluginWarning) as record:
        rules = lsr_arrayapi.available_rules()
    messages = [str(w.message) for w in record]
    for name, reason in [
        ("broken", "ModuleNotFoundError"),
        ("class_module", "registers nothing"),
        ("a_class", "is the class PluginClass"),
        ("clash", "rule name 'qr' is registered twice"),
    ]:
        assert any(f"entry point {name!r}" in m and reason in m for m in messages), name
    assert all("LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD=1" in m for m in messages)
    assert len(messages) == 4
    assert "ep_good_rule" in rules and "qr" in rules
    assert plugin_registry.get_rule_class("qr").__module__ == "lsr_arrayapi.rules.projected"
    assert fit_lsr(X, Y, ranks=2, rule="qr", max_iter=1).n_iter == 1  # built-ins still fit


def test_register_plugin_rejects_classes_and_empty_plugins():
    class PluginClass:
        @hookimpl
        def lsr_arrayapi_update_rules(self):
            return [_rule_class("never")]

    before = lsr_arrayapi.available_rules()
    with pytest.raises(TypeError, match=r"is the class PluginClass; register an instance"):
        register_plugin(PluginClass)
    with pytest.raises(ValueError, match="registers nothing"):
        register_plugin(types.SimpleNamespace(PluginClass=PluginClass))
    with pytest.raises(TypeError, match=r"lacks the methods \['step'\]"):
        register_plugin(_plugin([type("NoStep", (), {"name": "no_step", "init_state": len})]))
    assert lsr_arrayapi.available_rules() == before
    instance = register_plugin(PluginClass())
    try:
        assert "never" in lsr_arrayapi.available_rules()
    finally:
        unregister_plugin(name=instance)


# -- 12. sizes -----------------------------------------------------------------------------
def test_separation_rank_is_bounded_by_the_sample_shape():
    X6 = RNG.standard_normal((20, 4, 5, 6))  # 120 entries; sum d_k r_k = 30, prod r_k = 8
    y6 = X6[:, 0, 0, 0]
    # S terms are allowed while (S - 1) * 30 + 8 < 120: S <= 4
    for S in (5, 200, 10**9):
        with pytest.raises(InvalidParameterError, match=f"separation_rank={S} is too large.*<= 4"):
            fit_lsr(X6, y6, ranks=2, separation_rank=S)
    assert fit_lsr(X6, y6, ranks=2, separation_rank=4, max_iter=1, init="random").n_iter == 1


# -- 13. labels ----------------------------------------------------------------------------
def test_missing_labels_are_named():
    with_nan = np.where(np.arange(30) % 10 == 0, np.nan, LABELS)
    with pytest.raises(ValueError, match=r"y has 3 missing label\(s\) \(NaN\)"):
        LSRClassifier(ranks=2).fit(X, with_nan)
    with_none = [None if i % 15 == 0 else "yes" if v else "no" for i, v in enumerate(LABELS)]
    with pytest.raises(ValueError, match=r"y has 2 missing label\(s\) \(None or NaN\)"):
        LSRClassifier(ranks=2).fit(X, with_none)
    with pytest.raises(ValueError, match=r"at least two classes; y has 1 class\(es\): \[4\]"):
        LSRClassifier(ranks=2).fit(X, np.full(30, 4))


# -- 14. files -----------------------------------------------------------------------------
def test_file_errors_name_the_file(tmp_path):
    arrays = {
        f"{split}_{part}": np.zeros((3, 2, 2, 2) if part == "images" else (3, 1), np.uint8)
        for split in ("train", "val", "test")
        for part in ("images", "labels")
    }
    good = tmp_path / "good.npz"
    np.savez_compressed(good, **arrays)
    raw = good.read_bytes()
    files = {
        "a.npy": None, "empty.npz": b"", "text.npz": b"hello", "truncated.npz": raw[: len(raw) // 2],
        "corrupt.npz": raw[:60] + bytes(b ^ 0xFF for b in raw[60:100]) + raw[100:],
    }  # fmt: skip
    for name, content in files.items():
        if content is None:
            np.save(tmp_path / name, X)
        else:
            (tmp_path / name).write_bytes(content)
    assert load_vesselmnist3d(good)["train"][0].shape == (3, 2, 2, 2)
    for name, match in [
        ("a.npy", "is a .npy array, not a MedMNIST .npz"), ("empty.npz", "is empty"),
        ("text.npz", "no NumPy header"), ("truncated.npz", "not a readable .npz archive"),
        ("corrupt.npz", "member 'train_images' cannot be read"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match=f"{name}.*{match}"):
            load_vesselmnist3d(tmp_path / name)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name, match in [
        ("good.npz", "is a .npz archive; open_npy reads one .npy"), ("text.npz", "no NumPy header"),
        ("objects.npy", "not a readable .npy file"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match=f"{name}.*{match}"):
            open_npy(tmp_path / name)
    assert open_npy(tmp_path / "a.npy").shape == X.shape
    assert math.isfinite(float(open_npy(tmp_path / "a.npy").sum().compute()))


def test_a_poisson_fit_to_large_counts_raises_no_numpy_warnings():
    """Trial steps overshoot to means above the float range: rejected, and silently."""
    from lsr_arrayapi.data.datasets import make_lsr_problem

    problem = make_lsr_problem(
        500, sample_shape=(6, 7, 8), family="poisson", separation_rank=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = LSRPoissonRegressor(ranks=2, random_state=0).fit(problem.X, problem.y * 1000)
    assert model.converged_
