"""The pluggy registry: built-ins through the hooks, in-test plugins, name clashes."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

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


def test_a_hook_returning_an_instance_is_rejected_and_leaves_the_registry_as_it_was():
    with pytest.raises(TypeError, match=r"returned the instance .*; return the class \(ScaledQR\)"):
        register_plugin(_plugin([ScaledQR()]))
    assert "scaled_qr" not in lsr_arrayapi.available_rules()
    plugin = _plugin([ScaledQR])  # the class itself registers
    register_plugin(plugin)
    unregister_plugin(plugin)


def test_unregister_and_register_errors_name_the_mistake():
    with pytest.raises(TypeError, match="needs the plugin or its name"):
        unregister_plugin()
    with pytest.raises(ValueError, match="no plugin named 'nope' is registered"):
        unregister_plugin(name="nope")
    with pytest.raises(ValueError, match=r"no plugin .* is registered"):
        unregister_plugin(_plugin([ScaledQR]))
    with pytest.raises(TypeError, match="needs a module or an object"):
        register_plugin(None)


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


@dataclasses.dataclass(frozen=True)
class CoreOnly:
    """A minimal solver: moves only the core (the factors stay at the start's)."""

    name: ClassVar[str] = "core_only"

    def uses(self, S):
        return ()

    def init(self, state):
        return None

    def iterate(self, state, memory):
        from lsr_arrayapi.solvers import Outcome

        state.update_core()
        return Outcome()


class SolverPlugin:
    @lsr_arrayapi.hookimpl
    def lsr_arrayapi_solvers(self):
        return [CoreOnly]


def test_a_plugin_solver_is_a_schedule_and_declares_what_it_uses():
    plugin = SolverPlugin()
    register_plugin(plugin)
    try:
        assert "core_only" in lsr_arrayapi.plugins.available_solvers()
        p = make_lsr_problem(200, sample_shape=(6, 7, 8), separation_rank=1, random_state=1)
        start = fit_lsr(p.X, p.y, ranks=2, init="spectral", max_iter=0)
        fit = fit_lsr(p.X, p.y, ranks=2, init=start, schedule="core_only", max_iter=3, tol=0.0)
        assert fit.solver == "CoreOnly()"
        for moved, kept in zip(fit.factors[0], start.factors[0], strict=True):
            np.testing.assert_array_equal(moved, kept)
        assert fit.history["loss"][-1] < fit.history["loss"][0]
        with pytest.raises(ValueError, match="schedule='core_only' does not use rule"):
            fit_lsr(p.X, p.y, ranks=2, schedule="core_only", rule="qr")
    finally:
        unregister_plugin(plugin)
    with pytest.raises(ValueError, match="one of 'auto'"):
        fit_lsr(p.X, p.y, ranks=2, schedule="core_only")


def test_a_solver_without_the_protocol_is_rejected():
    class NoIterate:
        name = "broken"

        def uses(self, S):
            return ()

    class Plugin:
        @lsr_arrayapi.hookimpl
        def lsr_arrayapi_solvers(self):
            return [NoIterate]

    with pytest.raises(TypeError, match=r"lacks the methods \['init', 'iterate'\]"):
        register_plugin(Plugin())
    assert "broken" not in lsr_arrayapi.plugins.available_solvers()


def test_the_fit_records_the_solver_that_ran():
    p = make_lsr_problem(200, sample_shape=(6, 7, 8), separation_rank=2, random_state=1)
    options = {"ranks": 2, "separation_rank": 2, "init": "spectral", "max_iter": 2}
    with pytest.warns(Warning):
        assert fit_lsr(p.X, p.y, **options).solver == "LBFGS(memory=10, retraction='polar')"
        muon = fit_lsr(p.X, p.y, rule="muon", **options).solver
    assert muon == "GaussSeidel() with rule 'muon', lr=None"
    with pytest.raises(ValueError, match="unknown retraction 'nope'"):
        lsr_arrayapi.solvers.LBFGS(retraction="nope")


def test_unknown_and_malformed_starts_are_clear_errors():
    p = make_lsr_problem(100, sample_shape=(4, 5, 6), separation_rank=1, random_state=0)
    with pytest.raises(ValueError, match="parameter 'init' must be"):
        fit_lsr(p.X, p.y, ranks=2, init="nope")
    with pytest.raises(ValueError, match=r"unknown start 'nope'; available: \[.*'lift'"):
        lsr_arrayapi.plugins.get_start_class("nope")

    class NoFit:
        name = "no_fit"

    class Plugin:
        @lsr_arrayapi.hookimpl
        def lsr_arrayapi_starts(self):
            return [NoFit]

    with pytest.raises(TypeError, match=r"start class .* lacks the methods \['fit'\]"):
        register_plugin(Plugin())
    with pytest.raises(ValueError, match="core_restarts=0"):
        lsr_arrayapi.starts.Lift(core_restarts=0)


def test_a_fitted_estimator_is_not_taken_for_a_start():
    p = make_lsr_problem(100, sample_shape=(4, 5, 6), separation_rank=1, random_state=0)
    model = LSRTensorGLM(ranks=2, max_iter=5).fit(p.X, p.y)
    with pytest.raises(ValueError, match="init: the warm start"):
        fit_lsr(p.X, p.y, ranks=2, init=model)


class SkewRetraction:
    """A broken retraction: it leaves the manifold."""

    name = "skew"

    def retract(self, W, step):
        return 2.0 * (W + step)


class RetractionPlugin:
    @lsr_arrayapi.hookimpl
    def lsr_arrayapi_retractions(self):
        return [SkewRetraction]


def test_a_plugin_retraction_inside_a_builtin_rule_is_checked():
    from lsr_arrayapi.exceptions import PluginError

    plugin = RetractionPlugin()
    register_plugin(plugin)
    try:
        p = make_lsr_problem(100, sample_shape=(4, 5, 6), separation_rank=1, random_state=0)
        with pytest.raises(PluginError, match="max \\|W\\^T W - I\\|"):
            fit_lsr(p.X, p.y, ranks=2, rule="muon", rule_options={"retract": "skew"},
                    init="spectral", max_iter=3)  # fmt: skip
    finally:
        unregister_plugin(plugin)
