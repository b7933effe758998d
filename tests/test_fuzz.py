"""Fuzz: hostile draws of shapes, dtypes, scales, containers and parameter values.

Each example builds a small valid problem and then makes at most one thing
wrong: a parameter of the wrong type or out of range, a dtype, a container, y
or sample_weight.  Every call must either raise one of the library's
documented exceptions (lsr_arrayapi.exceptions) with a message naming what was
wrong, or -- when nothing was made wrong, or the "wrong" value was in fact
valid -- return a finite fit whose loss is no higher than at its start.
The same holds for covariates (any scale, or malformed), class labels of
every kind (or unreadable ones) and select_ranks' arguments.  Problems are
tiny and iterations few: the suite runs in seconds.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
from conftest import load_backend
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from lsr_arrayapi import (
    LSRClassifier,
    LSRGammaRegressor,
    LSRPoissonRegressor,
    LSRRegressor,
    LSRTensorGLM,
    fit_lsr,
    select_ranks,
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
    intercept = fit.intercept  # a float, or one per class log-odds (multinomial)
    finite = (
        math.isfinite(intercept)
        if isinstance(intercept, float)
        else bool(np.isfinite(to_host(intercept)).all())
    )
    assert np.isfinite(to_host(fit.coef)).all() and finite
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


#: what goes wrong with the covariates, and the word the error must name
COVARIATE_FAULTS = {
    "rows": "covariates", "nan": "covariates", "complex": "covariates",
    "strings": "covariates", "1-D": "covariates", "collinear": "collinear",
    "constant": "constant", "too many": "covariates",
}  # fmt: skip


def _covariates(n: int, p: int, fault: str | None, rng: Any, exponents: list[int]) -> Any:
    """Z ``(n, p)`` with columns scaled by 10**exponents and offset, or with ``fault``."""
    Z = (rng.standard_normal((n, p)) + 3.0) * 10.0 ** np.asarray(exponents[:p], float)
    if fault == "rows":
        return Z[:-1]
    if fault == "nan":
        Z[0, 0] = np.nan
    if fault == "complex":
        return Z + 1j
    if fault == "strings":
        return Z.astype(str)
    if fault == "1-D":
        return Z[:, 0]
    if fault == "collinear":
        return np.column_stack([Z, 2.0 * Z[:, 0]])
    if fault == "constant":
        return np.column_stack([Z, np.full(n, 7.0)])
    if fault == "too many":
        return rng.standard_normal((n, n))
    return Z


@FUZZ
@given(
    problem=problems(),
    estimator=st.sampled_from(ESTIMATORS),
    p=st.integers(1, 3),
    exponents=st.lists(st.integers(-100, 100), min_size=3, max_size=3),
    fault=st.sampled_from([None, None, None, *COVARIATE_FAULTS]),
    seed=st.integers(0, 99),
    classes=st.sampled_from([2, 3]),
)
def test_covariates_of_any_scale_fit_or_raise_naming_the_problem(
    problem, estimator, p, exponents, fault, seed, classes
):
    """Covariates at scales 1e-100 to 1e100 fit (finite, a descent, finite predictions);
    malformed ones raise a documented error that says what is wrong with them."""
    options = {k: v for k, v in problem["options"].items() if k != "family"}
    n = problem["X"].shape[0]
    p = min(p, n - 1 - int(options["fit_intercept"]))
    assume(p >= 1)
    if fault == "constant" and not options["fit_intercept"]:
        fault = None  # a constant column is valid without an intercept
    if problem["dtype"] == "float32":  # float32 holds 1e-38 to 3e38: keep Z gamma in it
        exponents = [e * 15 // 100 for e in exponents]
    Z = _covariates(n, p, fault, np.random.default_rng(seed), exponents)
    data = _place(problem, None)
    family = {LSRClassifier: "logistic", LSRPoissonRegressor: "poisson",
              LSRGammaRegressor: "gamma"}.get(estimator)  # fmt: skip
    y = _target(problem, family, "codes") if family else data["y"]
    if family == "logistic" and classes == 3 and n >= 3:  # the multinomial family
        y = np.arange(n) % 3
        if options["schedule"] == "als":  # no diagonal curvature: a documented error
            options["schedule"] = "auto"
    model = estimator(**_with_fault(options, None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(data["X"], y, sample_weight=data["sample_weight"], covariates=Z)
        except DOCUMENTED as exc:
            assert fault is not None, f"valid covariates raised {type(exc).__name__}: {exc}"
            # the fault's own word, unless an added column leaves too few samples
            assert COVARIATE_FAULTS[fault] in str(exc) or "need more than" in str(exc), str(exc)
            return
    assert fault is None, f"{fault} covariates were accepted"
    _assert_fit(
        type("Fit", (), {"history": model.history_, "coef": model.coef_,
                         "intercept": model.intercept_})(), None, problem["dtype"],
    )  # fmt: skip
    assert np.isfinite(to_host(model.covariate_coef_)).all()
    predicted = model.decision_function(data["X"], covariates=Z)
    assert np.isfinite(to_host(predicted)).all()
    with pytest.raises(ValueError, match="covariates"):
        model.predict(data["X"])
    with pytest.raises(TypeError, match="covariates"):
        model.predict(data["X"], covariates=Z.astype(str))


#: label faults, and a word of the error each must raise
LABEL_FAULTS = {
    "mixed list": "mixes labels", "inf": "infinite", "nan": "missing", "one class": "two classes",
}  # fmt: skip


@FUZZ
@given(
    n=st.integers(6, 30),
    classes=st.integers(2, 4),
    kind=st.sampled_from(["codes", "floats", "strings", "bools", "torch", "list"]),
    fault=st.sampled_from([None, None, *LABEL_FAULTS]),
    ranks=st.integers(1, 2),
    max_iter=st.integers(0, 3),
    fit_intercept=st.booleans(),
    seed=st.integers(0, 99),
)
def test_class_labels_of_any_kind_give_probabilities_or_a_clear_error(
    n, classes, kind, fault, ranks, max_iter, fit_intercept, seed
):
    """Two to four classes as codes, floats, strings, booleans, a torch tensor or a list:
    classes_ are the sorted labels, probabilities (n, C) sum to one, predictions are
    labels; unreadable labels raise naming y.  Multinomial codes with a gap raise too."""
    if kind == "bools":
        classes = 2
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3, 4))
    codes = rng.permutation(np.arange(n) % classes)
    labels: Any = {
        "codes": codes, "floats": codes * 2.5 - 1.0, "strings": np.asarray(list("abcd"))[codes],
        "bools": codes > 0, "torch": codes, "list": [["x", "y", "z", "w"][c] for c in codes],
    }[kind]  # fmt: skip
    if fault == "mixed list":
        labels = [int(c) if c == 0 else ["x", "y", "z"][c - 1] for c in codes]
    elif fault == "one class":
        labels = np.zeros(n)
    elif fault in ("inf", "nan"):
        labels = np.where(codes == 0, np.inf if fault == "inf" else np.nan, codes)
    if kind == "torch" and fault is None:
        torch = pytest.importorskip("torch")
        labels = torch.asarray(codes)
    model = LSRClassifier(ranks=ranks, max_iter=max_iter, fit_intercept=fit_intercept,
                          random_state=seed)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, labels)
        except DOCUMENTED as exc:
            assert fault is not None, f"valid labels raised {type(exc).__name__}: {exc}"
            assert LABEL_FAULTS[fault] in str(exc) and re.search(r"\by\b", str(exc)), str(exc)
            return
    assert fault is None, f"{fault} labels were accepted"
    expected = sorted(
        set(to_host(labels).tolist() if kind == "torch" else np.asarray(labels).tolist())
    )
    assert to_host(model.classes_).tolist() == expected
    proba = to_host(model.predict_proba(X))
    assert proba.shape == (n, classes) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(to_host(model.predict(X)).tolist()) <= set(expected)
    if classes >= 3:
        gap = np.where(codes == classes - 1, classes + 3, codes).astype(float)
        with pytest.raises(ValueError, match=r"every class code .* \by\b"):
            fit_lsr(X, gap, ranks=ranks, family="multinomial", max_iter=max_iter)


#: select_ranks arguments and valid values of each (hostile ones come from HOSTILE)
SELECTION_ARGUMENTS = {
    "ranks": [(1,), (1, 2), [(1, 2), 1]], "separation_ranks": [(1,), (1, 2)],
    "criterion": ["bic", "aic", "cv"], "grid_tol": [None, 1e-3],
    "cv": [2, 3, [(np.arange(4, 8), np.arange(4)), (np.arange(4), np.arange(4, 8))]],
}  # fmt: skip


@FUZZ
@given(
    argument=st.sampled_from(sorted(SELECTION_ARGUMENTS)).flatmap(
        lambda name: st.tuples(
            st.just(name), st.sampled_from([*HOSTILE, *SELECTION_ARGUMENTS[name]])
        )
    ),
    estimator=st.sampled_from([LSRRegressor, LSRClassifier]),
    n=st.integers(8, 20),
)
def test_select_ranks_raises_naming_a_bad_argument_or_returns_finite_criteria(
    argument, estimator, n
):
    name, value = argument
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 3, 4))
    y = X[:, 0, 0] + 0.1 * rng.standard_normal(n)
    if estimator is LSRClassifier:
        y = (np.arange(n) % 2).astype(float)
    arguments: dict[str, Any] = {"criterion": "cv" if name == "cv" else "bic", name: value}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            best, table = select_ranks(estimator(max_iter=2, random_state=0), X, y, **arguments)
        except DOCUMENTED as exc:
            shown = {"separation_ranks": "separation_rank"}.get(name, name)
            if name == "criterion" and isinstance(value, str) and value == "cv":
                # the default cv=5 may not fit n
                shown = "(criterion|cv)"
            assert re.search(rf"\b{shown}", str(exc)), f"{name!r} not named in: {exc}"
            return
    assert table and all(math.isfinite(row["criterion"]) for row in table)
    assert np.isfinite(to_host(best.coef_)).all()
