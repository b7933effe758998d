"""Every bad input gets a clear, specific error before any work; legitimate oddities work."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import LSRClassifier, LSRPoissonRegressor, LSRRegressor
from lsr_arrayapi.validation import check_X

RNG = np.random.default_rng(0)
X = RNG.standard_normal((20, 4, 5, 3))
Y = RNG.standard_normal(20)


def fit(**overrides):
    args = {"X": X, "y": Y, "ranks": (2, 2, 2)} | overrides
    return fit_lsr(args.pop("X"), args.pop("y"), **args)


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ({"X": X[:, :, 0, 0]}, ValueError, r"shape \(n_samples, d_1, ..., d_K\)"),
        ({"X": X + 0j}, TypeError, "complex"),
        ({"X": np.array([["a"]])}, TypeError, "numeric|X must"),
        ({"X": X[:1], "y": Y[:1]}, ValueError, "at least 2 samples"),
        ({"y": Y[:, None]}, ValueError, "y must be 1-D"),
        ({"y": Y[:5]}, ValueError, "y has 5 entries but X has 20"),
        ({"X": np.where(X > 2, np.nan, X)}, ValueError, "X contains NaN"),
        ({"X": np.where(X > 2, np.inf, X)}, ValueError, "X contains NaN or infinite"),
        ({"y": np.where(Y > 1, np.nan, Y)}, ValueError, "y contains NaN"),
        ({"ranks": (2, 2)}, ValueError, "ranks has 2 entries but the samples have 3 modes"),
        ({"ranks": (2, 0, 2)}, ValueError, r"parameter 'ranks' must be an int in \[1, inf\)"),
        ({"ranks": (2, 6, 2)}, ValueError, r"ranks\[1\] = 6 must be an integer in \[1, d_2 = 5\]"),
        ({"separation_rank": 0}, ValueError, "separation_rank"),
        ({"max_iter": -1}, ValueError, "max_iter"),
        ({"tol": -1e-3}, ValueError, "tol"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"lr": 0.0}, ValueError, "lr"),
        (
            {"rule": "adam"},
            ValueError,
            r"unknown rule 'adam'; available: \[.*'muon', 'polar', 'qr'",
        ),
        ({"family": "tweedie"}, ValueError, r"unknown family 'tweedie'; available: \['gamma'"),
        ({"init": "magic"}, ValueError, r"parameter 'init' must be one of 'lift'.*got 'magic'"),
        ({"schedule": "random"}, ValueError, r"parameter 'schedule' must be one of 'auto'"),
        ({"schedule": "lbfgs", "rule": "muon"}, ValueError, "schedule='lbfgs' does not use rule"),
        ({"n_init": 0}, ValueError, r"parameter 'n_init' must be an int in \[1, 1000\]"),
        ({"family": "logistic", "y": np.arange(20.0) % 3}, ValueError, "labels in"),
        ({"family": "poisson", "y": -np.ones(20)}, ValueError, "non-negative"),
        ({"family": "poisson", "y": np.full(20, 0.5)}, ValueError, "integer"),
        ({"sample_weight": -np.ones(20)}, ValueError, "non-negative"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight must have shape"),
        (
            {"init": {"core": np.zeros((2, 2)), "factors": []}},
            ValueError,
            "init: warm-start core has shape",
        ),
        (
            {"rule": "qr", "rule_options": {"speed": 3}},
            ValueError,
            r"rule_options: unknown option\(s\) \['speed'\] for rule 'qr'",
        ),
        (  # the default rule, named by no one: the message still names the parameter
            {"rule_options": {"core": None}},
            ValueError,
            r"rule_options: unknown option\(s\) \['core'\] for rule 'qr'",
        ),
    ],
)
def test_bad_input_raises_clear_error(overrides, error, message):
    with pytest.raises(error, match=message):
        fit(**overrides)


def test_legitimate_oddities_work():
    # K = 2 (matrix samples), ranks equal to dims, float32, integer X, tiny n
    fit_lsr(X[:, :, :, 0], Y, ranks=(4, 5), max_iter=3)
    fit_lsr(X.astype(np.float32), Y.astype(np.float32), ranks=2, max_iter=3)
    fit_lsr(np.round(X * 3).astype(np.int64), Y, ranks=1, max_iter=3)
    fit_lsr(X[:2], Y[:2], ranks=1, max_iter=3)


def test_large_linear_predictor_stays_finite():
    p = make_lsr_problem(
        60, sample_shape=(4, 5, 3), separation_rank=1, family="logistic", random_state=1
    )
    big = np.asarray(p.X) * 1e3  # |eta| in the hundreds
    res = fit_lsr(big, p.y, ranks=2, family="logistic", max_iter=5)
    assert np.isfinite(res.history["loss"]).all()


def test_estimator_errors():
    with pytest.raises(NotFittedError):
        LSRRegressor().predict(X)
    model = LSRRegressor(ranks=2, max_iter=3).fit(X, Y)
    with pytest.raises(
        ValueError, match=r"sample shape \(4, 5\), but the model was fitted on \(4, 5, 3\)"
    ):
        model.predict(X[:, :, :, 0])
    with pytest.raises(ValueError, match="at least two classes; y has 1 class"):
        LSRClassifier(ranks=2).fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="at least two classes; y has 1 class"):
        LSRClassifier(ranks=2).fit(X, ["a"] * 20)
    with pytest.raises(ValueError, match="non-negative"):
        LSRPoissonRegressor(ranks=2).fit(X, -np.ones(20))
    classifier = LSRClassifier(ranks=2, max_iter=3).fit(X, np.where(Y > 0, "yes", "no"))
    unseen = np.where(Y > 0, "yes", "maybe")  # "maybe" is a miss, as in accuracy_score
    expected = accuracy_score(unseen, classifier.predict(X))
    assert classifier.score(X, unseen) == pytest.approx(expected, abs=1e-15)


def test_huge_but_finite_x_passes_the_finiteness_check():
    # the fast finiteness probe (a sum) overflows here; the exact check must not reject
    X = np.full((4, 3, 3), 3e38, dtype=np.float32)
    _, checked = check_X(X)
    assert checked is X
    with pytest.raises(ValueError, match="NaN or infinite"):
        check_X(np.where(np.arange(36).reshape(4, 3, 3) == 20, np.inf, X))


def test_synthetic_problems_check_ranks_as_fit_does():
    from lsr_arrayapi.data.datasets import make_multiclass_problem
    from lsr_arrayapi.exceptions import InvalidParameterError

    problem = make_lsr_problem(30, sample_shape=(4, 5), ranks=2, separation_rank=1)
    assert problem.core.shape == (2, 2)
    assert make_multiclass_problem(30, sample_shape=(4, 5), ranks=2).core.shape == (2, 2, 2)
    with pytest.raises(InvalidParameterError, match=r"ranks\[0\] = 7"):
        make_lsr_problem(30, sample_shape=(4, 5), ranks=7)
    with pytest.raises(InvalidParameterError, match="separation_rank=2 is too large"):
        make_lsr_problem(30, sample_shape=(4, 5), ranks=2, separation_rank=2)


@pytest.mark.parametrize("family", ["gaussian", "logistic", "poisson", "gamma"])
def test_a_noise_free_problem_of_every_family(family):
    """noise=0 is allowed: y is exact for the Gaussian and the gamma family (whose noise
    is the coefficient of variation), and drawn as usual for the others."""
    problem = make_lsr_problem(
        40, sample_shape=(4, 5), ranks=2, separation_rank=1, family=family, noise=0.0
    )
    eta = np.asarray(problem.X).reshape(40, -1) @ np.asarray(problem.coef).ravel()
    exact = {"gaussian": eta, "gamma": np.exp(eta)}
    assert np.all(np.isfinite(problem.y))
    if family in exact:
        np.testing.assert_allclose(problem.y, exact[family], rtol=1e-12)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"n_samples": 0}, r"'n_samples' must be an int in \[1, inf\); got 0"),
        ({"n_samples": 10.5}, r"'n_samples' must be an int"),
        ({"noise": -1.0}, r"'noise' must be a finite number in \[0, inf\)"),
        ({"noise": float("nan")}, r"'noise' must be a finite number"),
        ({"sample_shape": "ab"}, r"'sample_shape' must be a sequence of ints"),
        ({"sample_shape": (5,)}, r"sample_shape must have at least 2 modes"),
        ({"dtype": np.float16}, r"dtype must be float32 or float64"),
        ({"family": "multinomial", "separation_rank": 1}, r"use make_multiclass_problem"),
    ],
)
def test_synthetic_problems_check_their_arguments(arguments, message):
    from lsr_arrayapi.exceptions import InvalidParameterError

    arguments = {
        "n_samples": 30,
        "sample_shape": (4, 5),
        "ranks": 2,
        "separation_rank": 1,
    } | arguments
    if "sample_shape" in arguments and len(arguments["sample_shape"]) != 2:
        arguments.pop("ranks")
    with pytest.raises(InvalidParameterError, match=message):
        make_lsr_problem(arguments.pop("n_samples"), **arguments)


@pytest.mark.filterwarnings("error:The given NumPy array is not writable")
def test_read_only_numpy_responses_and_weights_follow_torch_x_quietly():
    """torch warns that it cannot share a read-only NumPy array: such small arrays are
    copied on the host first (X itself is never converted)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3, 4, 5))
    y, weights = X.reshape(60, -1) @ rng.standard_normal(60), np.ones(60)
    y.setflags(write=False)
    weights.setflags(write=False)
    fit = fit_lsr(torch.asarray(X), y, ranks=1, sample_weight=weights, max_iter=5, init="random")
    assert isinstance(fit.coef, torch.Tensor)
