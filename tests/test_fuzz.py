"""Fuzz: hostile draws of shapes, dtypes, scales, containers and parameter values.

Each example builds a small valid problem and then makes at most one thing
wrong: a parameter of the wrong type or out of range, a dtype, a container, y
or sample_weight.  Every call must either raise one of the library's
documented exceptions (lsr_arrayapi.exceptions) with a message naming what was
wrong, or -- when nothing was made wrong, or the "wrong" value was in fact
valid -- return a finite fit whose loss is no higher than at its start.
Problems are tiny and iterations few: the suite runs in seconds.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
from conftest import load_backend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from lsr_arrayapi import (
    LSRClassifier,
    LSRGammaRegressor,
    LSRPoissonRegressor,
    LSRRegressor,
    LSRTensorGLM,
    fit_lsr,
)
from lsr_arrayapi._backends import to_host
from lsr_arrayapi.exceptions import InvalidParameterError, NumericalError, PluginError
from lsr_arrayapi.rules.projected import QRRule

DOCUMENTED = (
    InvalidParameterError, NumericalError, PluginError, ValueError, TypeError, FloatingPointError
)  # fmt: skip
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
BACKENDS = ["numpy", "array_api_strict", "torch:cpu"]

#: values of the wrong type or out of range for most parameters (a few are valid for some)
HOSTILE = [
    "x", "", None, -1, 0, 2.5, -0.5, float("nan"), float("inf"), 10**30, True, [], [1, 2],
    {}, {"core": None}, object(), np.int64(2), np.float32(0.5), np.zeros((2, 2)), QRRule,
    QRRule(), lambda: None, b"bytes",
]  # fmt: skip
PARAMETERS = [
    "ranks", "separation_rank", "family", "rule", "rule_options", "max_iter", "tol", "lr",
    "alpha", "fit_intercept", "init", "n_init", "schedule", "random_state", "callback", "verbose",
]  # fmt: skip
#: valid values too large to run in a test: with tol = 0 the fit would never stop
SLOW = {"max_iter": (10**30,)}
DATA_FAULTS = {
    "X": ["float16", "longdouble", "complex", "nan", "masked", "sparse", "strings"],
    "y": ["short", "2-D", "nan", "masked", "strings"],
    "sample_weight": ["short", "negative", "strings", "zero"],
}


def _allowed_S(shape: tuple[int, ...], ranks: tuple[int, ...], S: int) -> bool:
    """The documented bound: S = 1, or S - 1 terms with fewer parameters than prod d_k."""
    per_term = sum(d * r for d, r in zip(shape, ranks, strict=True))
    return S == 1 or (S - 1) * per_term + math.prod(ranks) < math.prod(shape)


@st.composite
def problems(draw: Any) -> dict[str, Any]:
    """A small valid problem: shape, dtype, scale, backend, family, valid options."""
    K = draw(st.integers(2, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=K, max_size=K)))
    n = draw(st.integers(2, 14))
    ranks = tuple(draw(st.integers(1, d)) for d in shape)
    S = draw(st.sampled_from([1, 2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scale = 10.0 ** draw(st.integers(-3, 3))
    X = rng.standard_normal((n, *shape)) * scale
    family = draw(st.sampled_from(["gaussian", "logistic", "poisson", "gamma"]))
    eta = X.reshape(n, -1)[:, 0] / scale
    y = {
        "gaussian": eta * scale + rng.standard_normal(n),
        "logistic": (eta > 0).astype(float),
        "poisson": rng.poisson(np.exp(np.clip(eta, -2, 2))).astype(float),
        "gamma": rng.gamma(2.0, np.exp(np.clip(eta, -2, 2)) / 2.0),
    }[family]
    if draw(st.booleans()):  # one int for every mode: at most the smallest rank drawn
        ranks = (min(ranks),) * K
    options = {
        "ranks": ranks if len(set(ranks)) > 1 else ranks[0],
        "separation_rank": S if _allowed_S(shape, ranks, S) else 1,
        "family": family,
        "max_iter": draw(st.integers(0, 3)),
        "tol": draw(st.sampled_from([0.0, 1e-6, 1e-2])),
        "alpha": draw(st.sampled_from([0.0, 1e-3, 1.0])),
        "fit_intercept": draw(st.booleans()),
        "init": draw(st.sampled_from(["lift", "random", "spectral"])),
        "schedule": draw(st.sampled_from(["auto", "gauss_seidel", "jacobi", "lbfgs", "als"])),
        "random_state": draw(st.integers(0, 99)),
    }
    return {
        "X": X, "y": y, "sample_weight": None, "options": options,
        "dtype": draw(st.sampled_from(["float64", "float32", "int64", "bool"])),
        "backend": draw(st.sampled_from(BACKENDS)),
        "weights": draw(st.booleans()),
        "y_as_list": draw(st.booleans()),
    }  # fmt: skip


@st.composite
def faults(draw: Any) -> tuple[str, str, Any] | None:
    """None (nothing wrong), ("parameter", name, value) or ("data", name, kind)."""
    kind = draw(st.sampled_from(["none", "parameter", "parameter", "data"]))
    if kind == "none":
        return None
    if kind == "parameter":
        name = draw(st.sampled_from(PARAMETERS))
        value = draw(st.sampled_from([v for v in HOSTILE if not _slow(name, v)]))
        return ("parameter", name, value)
    name = draw(st.sampled_from(sorted(DATA_FAULTS)))
    return ("data", name, draw(st.sampled_from(DATA_FAULTS[name])))


def _with_fault(options: dict[str, Any], fault: tuple[str, str, Any] | None) -> dict[str, Any]:
    """The options with a parameter fault applied.

    The cold start at S >= 2 takes about a second on torch (tests/test_coldstart.py
    covers it), so such fits here start at random.
    """
    options = dict(options)
    if fault and fault[0] == "parameter":
        options[fault[1]] = fault[2]
    S, init = options.get("separation_rank"), options.get("init")
    if isinstance(init, str) and init == "lift" and isinstance(S, int | np.integer) and S >= 2:
        options["init"] = "random"
    return options


def _slow(name: str, value: Any) -> bool:
    return any(value is v or (type(value) is type(v) and value == v) for v in SLOW.get(name, ()))


def _place(problem: dict[str, Any], fault: tuple[str, str, Any] | None) -> dict[str, Any]:
    """X, y and sample_weight on the drawn backend, with a data fault applied."""
    backend = load_backend(problem["backend"])
    X, y = problem["X"], problem["y"]
    n = X.shape[0]
    weight = np.linspace(0.5, 1.5, n) if problem["weights"] else None
    kind = fault[2] if fault and fault[0] == "data" else None
    target = fault[1] if kind else None
    dtype = problem["dtype"]
    integers = np.round(3 * X / np.max(np.abs(X))).astype(np.int64)  # in [-3, 3]
    host = {"float64": X, "float32": X.astype(np.float32), "int64": integers,
            "bool": integers > 0}[dtype]  # fmt: skip
    host.flat[0] = host.flat[0] if np.any(host) else 1  # an all-zero X is no fuzz case here
    if target == "X" and kind in ("float16", "longdouble", "complex", "strings"):
        bad = {"float16": X.astype(np.float16), "longdouble": X.astype(np.longdouble),
               "complex": X + 1j, "strings": X.astype(str)}[kind]  # fmt: skip
        return {"X": bad, "y": y, "sample_weight": weight}
    Xb = host if backend.name == "numpy" else backend.asarray(host, dtype)
    if target == "X":
        if kind == "nan":
            host = np.array(X, dtype=float)
            host.flat[0] = np.nan
            Xb = host
        elif kind == "masked":
            Xb = np.ma.masked_array(np.asarray(X, float), mask=np.ones(X.shape, bool))
        elif kind == "sparse":
            torch = pytest.importorskip("torch")
            Xb = torch.asarray(np.asarray(X, float)).to_sparse()
    if target == "y":
        y = {"short": y[:-1], "2-D": y[:, None], "nan": np.where(np.arange(n) == 0, np.nan, y),
             "masked": np.ma.masked_array(y, mask=np.arange(n) == 0),
             "strings": y.astype(str)}[kind]  # fmt: skip
    if target == "sample_weight":
        weight = {"short": np.ones(n + 1), "negative": -np.ones(n), "strings": ["w"] * n,
                  "zero": np.zeros(n)}[kind]  # fmt: skip
    if problem["y_as_list"] and target != "y":
        y = y.tolist()
    return {"X": Xb, "y": y, "sample_weight": weight}


def _assert_names(exc: BaseException, fault: tuple[str, str, Any] | None) -> None:
    assert isinstance(exc, DOCUMENTED), f"undocumented {type(exc).__name__}: {exc}"
    assert fault is not None, f"a valid call raised {type(exc).__name__}: {exc}"
    name = fault[1]
    assert re.search(rf"\b{re.escape(name)}\b", str(exc)), f"{name!r} not named in: {exc}"


def _assert_fit(fit: Any, fault: tuple[str, str, Any] | None, dtype: str) -> None:
    losses = fit.history["loss"]
    assert all(math.isfinite(v) for v in losses), losses
    assert np.isfinite(to_host(fit.coef)).all() and math.isfinite(fit.intercept)
    fixed_step = fault is not None and fault[1] == "lr"  # a fixed step has no safeguard
    if not fixed_step:
        slack = (1e-4 if dtype == "float32" else 1e-8) * (abs(losses[0]) + 1e-12)
        assert losses[-1] <= losses[0] + slack, losses


@FUZZ
@given(problem=problems(), fault=faults())
def test_fit_lsr_raises_documented_errors_or_returns_a_finite_descent(problem, fault):
    data = _place(problem, fault)
    options = _with_fault(problem["options"], fault)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = fit_lsr(data["X"], data["y"], sample_weight=data["sample_weight"], **options)
        except DOCUMENTED as exc:  # a valid fixed lr may diverge: that error names lr too
            _assert_names(exc, fault)
            return
    _assert_fit(fit, fault, problem["dtype"])


ESTIMATORS = [LSRRegressor, LSRClassifier, LSRPoissonRegressor, LSRGammaRegressor, LSRTensorGLM]
ESTIMATOR_PARAMETERS = [p for p in PARAMETERS if p not in ("family", "callback")]


@FUZZ
@given(
    problem=problems(),
    fault=faults(),
    estimator=st.sampled_from(ESTIMATORS),
    labels=st.sampled_from(["codes", "bool", "strings", "floats"]),
    m=st.integers(1, 3),
)
def test_estimators_validate_fit_predict_and_score(problem, fault, estimator, labels, m):
    if fault and fault[0] == "parameter" and fault[1] not in ESTIMATOR_PARAMETERS:
        fault = None
    if estimator is LSRClassifier and fault == ("data", "y", "strings"):
        fault = ("data", "y", "short")  # strings are labels to a classifier
    data = _place(problem, fault)
    options = _with_fault({k: v for k, v in problem["options"].items() if k != "family"}, fault)
    y = data["y"]
    family = {LSRClassifier: "logistic", LSRPoissonRegressor: "poisson",
              LSRGammaRegressor: "gamma"}.get(estimator)  # fmt: skip
    if family and not (fault and fault[1] == "y"):
        y = _target(problem, family, labels)
    model = estimator(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(data["X"], y, sample_weight=data["sample_weight"])
        except DOCUMENTED as exc:
            _assert_names(exc, fault)
            return
    assert fault is None or fault[0] == "parameter", f"bad {fault[1]} was accepted"
    _assert_fit(
        type("Fit", (), {"history": model.history_, "coef": model.coef_,
                         "intercept": model.intercept_})(), fault, problem["dtype"],
    )  # fmt: skip
    m = min(m, data["X"].shape[0])
    X_new = data["X"][:m, ...]
    predicted = model.predict(X_new)
    assert predicted.shape == (m,)
    if estimator is LSRClassifier:
        proba = to_host(model.predict_proba(X_new))
        assert proba.shape == (m, 2) and ((proba >= 0) & (proba <= 1)).all()
        assert 0.0 <= model.score(data["X"], y) <= 1.0
    else:
        assert np.isfinite(to_host(predicted)).all()
        assert not math.isnan(model.score(data["X"], y))
    with pytest.raises(NotFittedError):
        estimator().predict(X_new)


def _target(problem: dict[str, Any], family: str, labels: str) -> Any:
    """The response for a classifier (labels of the drawn kind), a Poisson or a gamma regressor."""
    y = problem["y"]
    if family == "poisson":
        return np.round(np.abs(y))
    if family == "gamma":
        return np.abs(y) + 0.1
    codes = (y > np.median(y)).astype(int)
    if codes.min() == codes.max():
        codes[0] = 1 - codes[0]
    return {"codes": codes, "bool": codes > 0, "strings": np.where(codes > 0, "a", "b"),
            "floats": codes * 0.5 - 1.0}[labels]  # fmt: skip
