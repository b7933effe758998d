"""The pluggy registry: built-ins through the hooks, in-test plugins, name clashes."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import plugin_module

import lsr_arrayapi
from lsr_arrayapi import fit_lsr, register_plugin, unregister_plugin
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import LSRTensorGLM
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal
from lsr_arrayapi.metrics import nee


class ScaledQR:
    """A minimal rule implementing exactly the protocol: a QR step at half the solver's lr."""

    name = "scaled_qr"

    def init_state(self, W):
        return None

    def step(self, W, grad, state, lr):
        return qr_orthonormal(W - 0.5 * lr * grad), state


class SquaredError:
    """A minimal family implementing exactly the protocol (Gaussian under another name)."""

    name = "squared_error"
    curvature_bound = 1.0

    def validate(self, y):
        pass

    def mean(self, eta):
        return eta

    def loss(self, eta, y):
        return ((eta - y) ** 2).mean() / 2

    def grad(self, eta, y):
        return eta - y


def _plugin(rules=(), families=()):
    return plugin_module(rules, families, name="test_plugin")


@pytest.fixture
def registered():
    plugin = _plugin([ScaledQR], [SquaredError])
    register_plugin(plugin, name="test-plugin")
    yield plugin
    unregister_plugin(plugin)


def test_builtins_come_through_the_hooks():
    assert {"qr", "polar", "muon", "randomized_polar"} <= set(lsr_arrayapi.available_rules())
    assert {"gaussian", "logistic", "poisson"} <= set(lsr_arrayapi.available_families())


def test_in_test_plugin_rule_and_family_are_used_by_a_fit(registered):
    assert "scaled_qr" in lsr_arrayapi.available_rules()
    assert "squared_error" in lsr_arrayapi.available_families()
    p = make_lsr_problem(300, sample_shape=(6, 7, 8), separation_rank=1, noise=0.0, random_state=0)
    fit = fit_lsr(p.X, p.y, ranks=2, rule="scaled_qr", family="squared_error", random_state=0)
    assert nee(fit.coef, p.coef) < 1e-3
    model = LSRTensorGLM(family="squared_error", ranks=2, rule="scaled_qr").fit(p.X, p.y)
    assert nee(model.coef_, p.coef) < 1e-3


def test_plugin_without_pointwise_loss_rejects_sample_weight(registered):
    X = np.random.default_rng(0).standard_normal((10, 3, 3))
    with pytest.raises(ValueError, match="cannot use sample_weight"):
        fit_lsr(X, X[:, 0, 0], ranks=1, family="squared_error", sample_weight=np.ones(10))


def test_unregister_removes_names(registered):
    unregister_plugin(registered)
    assert "scaled_qr" not in lsr_arrayapi.available_rules()
    register_plugin(registered, name="test-plugin")  # the fixture unregisters it again


def test_duplicate_name_is_an_error_unless_replacing():
    class FakeQR(ScaledQR):
        name = "qr"

    with pytest.raises(ValueError, match="rule name 'qr' is registered twice"):
        register_plugin(_plugin([FakeQR]))
    assert lsr_arrayapi.plugins.get_rule_class("qr").__module__ == "lsr_arrayapi.rules.projected"

    class ReplacingQR(FakeQR):
        replace = True

    plugin = _plugin([ReplacingQR])
    register_plugin(plugin)
    try:
        assert lsr_arrayapi.plugins.get_rule_class("qr") is ReplacingQR
    finally:
        unregister_plugin(plugin)
    assert lsr_arrayapi.plugins.get_rule_class("qr").__module__ == "lsr_arrayapi.rules.projected"


def test_class_without_name_is_rejected():
    class Nameless:
        pass

    with pytest.raises(TypeError, match="has no string attribute 'name'"):
        register_plugin(_plugin([Nameless]))


def test_rule_receives_the_fits_generator_when_it_accepts_random_state(registered):
    seen = []

    class Seeded(ScaledQR):
        name = "seeded"

        def __init__(self, random_state=None):
            seen.append(random_state)

    plugin = _plugin([Seeded])
    register_plugin(plugin)
    try:
        X = np.random.default_rng(0).standard_normal((10, 3, 3))
        fit_lsr(X, X[:, 0, 0], ranks=1, rule="seeded", random_state=3, max_iter=1)
    finally:
        unregister_plugin(plugin)
    assert isinstance(seen[0], np.random.Generator)
