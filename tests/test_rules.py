"""Update rules: the protocol contract, orthonormality, options, and behaviour in the solver."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import orthonormality_error
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi import available_rules, fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import make_rule
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.plugins import get_rule_class
from lsr_arrayapi.reproduce.paper import paper_warm_start
from lsr_arrayapi.rules.muon import MuonRule

BUILTIN = ["qr", "polar", "muon", "randomized_polar"]
ORTHONORMAL_VARIANTS = [
    ("qr", {}),
    ("qr", {"sign_fix": False, "tangent": False}),
    ("polar", {}),
    ("muon", {}),
    ("muon", {"orthogonalizer": "svd", "nesterov": True, "retract": "qr"}),
    ("muon", {"orthogonalizer": "eig", "lr": 0.05, "retract": "polar"}),
    ("randomized_polar", {}),
    ("randomized_polar", {"rank": 1, "oversample": 0, "power_iters": 2}),
]


def _stiefel(rng, d, r):
    return np.linalg.qr(rng.standard_normal((d, r)))[0]


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("rule_name, options", ORTHONORMAL_VARIANTS)
@given(
    d=st.integers(2, 12),
    r=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    lr=st.floats(1e-3, 2.0),
)
def test_step_keeps_kind_and_orthonormality(
    backend_name, dtype, rule_name, options, d, r, seed, lr
):
    r = min(r, d)
    backend = load_backend(backend_name)
    rng = np.random.default_rng(seed)
    rule = make_rule(rule_name, options, np.random.default_rng(0))
    W = backend.asarray(_stiefel(rng, d, r), dtype)
    state = rule.init_state(W)
    for _ in range(3):  # a few steps so momentum buffers are exercised
        grad = backend.asarray(rng.standard_normal((d, r)), dtype)
        W_new, state = rule.step(W, grad, state, lr)
        assert type(W_new) is type(W) and W_new.dtype == W.dtype and W_new.shape == W.shape
        assert getattr(W_new, "device", None) == getattr(W, "device", None)
        W = W_new
    assert rule.orthonormal
    assert orthonormality_error(backend.to_numpy(W)) < (1e-12 if dtype == "float64" else 5e-6)


def test_paper_preset_is_the_authors_lsrtr_m():
    rule = MuonRule(preset="paper")
    assert (rule.orthogonalizer, rule.eps, rule.momentum, rule.lr, rule.weight_decay) == (
        "eig", 1e-4, 0.1, 0.05, 1e-3,
    )  # fmt: skip
    assert (
        rule.retract == "none" and not rule.tangent and rule.owns_step_size and not rule.orthonormal
    )
    # one step is exactly W - 0.05 * (M (M^T M + 1e-4 I)^{-1/2} + 1e-3 W)
    rng = np.random.default_rng(0)
    W, grad = _stiefel(rng, 6, 2), rng.standard_normal((6, 2))
    new, buffer = rule.step(W, grad, rule.init_state(W), lr=123.0)
    evals, evecs = np.linalg.eigh(grad.T @ grad + 1e-4 * np.eye(2))
    expected = W - 0.05 * (grad @ (evecs / np.sqrt(evals)) @ evecs.T + 1e-3 * W)
    np.testing.assert_allclose(new, expected, atol=1e-14)
    np.testing.assert_allclose(buffer, grad)
    assert MuonRule(preset="paper", momentum=0.3).momentum == 0.3  # explicit options override


def test_muon_update_norm_is_bounded_by_its_step():
    """Update size: ||B_new - B_old + a lam B_old||_2 <= a for the paper's eig-polar step."""
    rule = MuonRule(preset="paper")
    rng = np.random.default_rng(1)
    W = _stiefel(rng, 8, 3)
    for scale in (1e-3, 1.0, 1e3):
        new, _ = rule.step(W, scale * rng.standard_normal((8, 3)), rule.init_state(W), 0.0)
        assert np.linalg.norm(new - W + 0.05 * 1e-3 * W, 2) <= 0.05 + 1e-12


@pytest.mark.parametrize(
    "rule_name, options, message",
    [
        ("muon", {"momentum": -0.1}, r"momentum must be a finite number in \[0.0, inf\)"),
        ("muon", {"momentum": "x"}, r"momentum must be a finite number in \[0.0, inf\), got 'x'"),
        ("muon", {"weight_decay": "a"}, "weight_decay must be a finite number"),
        ("muon", {"lr": float("inf")}, "lr must be a finite number"),
        ("muon", {"eps": float("inf")}, "eps must be a finite number"),
        ("muon", {"ns_steps": "a"}, r"ns_steps must be an int in \[1, inf\), got 'a'"),
        ("muon", {"ns_steps": 2.5}, r"ns_steps must be an int in \[1, inf\), got 2.5"),
        ("muon", {"ns_coefficients": (1, 2)}, r"non-empty \(T, 3\) table of finite numbers"),
        ("muon", {"ns_coefficients": [[1, 2, float("nan")]]}, "table of finite numbers"),
        ("muon", {"momentum": 1.0}, "momentum must be < 1"),
        ("muon", {"ns_steps": 0}, r"ns_steps must be an int in \[1, inf\)"),
        ("muon", {"orthogonalizer": "cholesky"}, "orthogonalizer must be one of"),
        ("muon", {"preset": "fast"}, "unknown muon preset"),
        ("muon", {"retract": "householder"}, "retract must be one of"),
        ("muon", {"ns_coefficients": "mine"}, "unknown Newton-Schulz schedule"),
        ("muon", {"beta": 0.9}, r"unknown option\(s\) \['beta'\] for rule 'muon'"),
        ("randomized_polar", {"rank": 0}, r"rank must be an int in \[1, inf\)"),
        ("randomized_polar", {"rank": "a"}, r"rank must be an int in \[1, inf\), got 'a'"),
        ("randomized_polar", {"oversample": -2}, r"oversample must be an int in \[0, inf\)"),
        ("randomized_polar", {"oversample": 1.5}, "oversample must be an int"),
        ("qr", {"momentum": 0.5}, r"unknown option\(s\) \['momentum'\]"),
        ("qr", {"tangent": "no"}, "tangent must be True or False, got 'no'"),
        ("qr", {"sign_fix": 5}, "sign_fix must be True or False, got 5"),
        ("muon", {"nesterov": 1}, "nesterov must be True or False"),
        ("randomized_polar", {"tangent": "x"}, "tangent must be True or False"),
    ],
)
def test_rule_option_errors(rule_name, options, message):
    with pytest.raises(ValueError, match=message):
        make_rule(rule_name, options, np.random.default_rng(0))


def test_numpy_booleans_are_flags():
    make_rule("qr", {"tangent": np.bool_(False), "sign_fix": np.True_}, np.random.default_rng(0))


def test_oversampled_sketch_larger_than_the_factor_raises_before_fitting():
    X = np.random.default_rng(0).standard_normal((30, 5, 4, 3))
    with pytest.raises(
        ValueError, match="rank \\+ oversample = 5 exceeds the factor's smaller side 2"
    ):
        fit_lsr(
            X,
            X[:, 0, 0, 0],
            ranks=2,
            rule="randomized_polar",
            rule_options={"rank": 2, "oversample": 3},
        )
    # the default sketch size adapts to thin factors
    fit_lsr(X, X[:, 0, 0, 0], ranks=2, rule="randomized_polar", max_iter=2)


@pytest.mark.parametrize("rule", BUILTIN)
def test_every_builtin_rule_recovers_a_noiseless_tucker_model(rule):
    p = make_lsr_problem(300, sample_shape=(6, 7, 8), separation_rank=1, noise=0.0, random_state=0)
    fit = fit_lsr(p.X, p.y, ranks=2, rule=rule, random_state=0, max_iter=500)
    assert nee(fit.coef, p.coef) < 1e-3


@pytest.mark.parametrize("family, n", [("gaussian", 500), ("logistic", 3000), ("poisson", 2000)])
def test_muon_default_is_no_worse_than_qr_at_equal_iterations(family, n):
    """The paper's comparison: same problem (the paper's shape, S = 2), same start (the
    paper's truth + 0.1), same iteration budget, fixed seeds."""
    results: dict[str, list[float]] = {}
    for seed in range(6):  # differences are ~1%: six seeds, not three, to see them
        p = make_lsr_problem(n, family=family, random_state=seed)
        start = paper_warm_start(p, random_state=seed)
        for rule in ("qr", "muon"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = fit_lsr(
                    p.X, p.y, ranks=2, separation_rank=2, family=family, rule=rule, init=start,
                    max_iter=10, tol=0.0,
                )  # fmt: skip
            results.setdefault(rule, []).append(nee(fit.coef, p.coef))
    assert np.mean(results["muon"]) <= np.mean(results["qr"]), results


def test_registered_names_include_the_builtins():
    assert set(BUILTIN) <= set(available_rules())
    assert get_rule_class("randomized_polar").name == "randomized_polar"
