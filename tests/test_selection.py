"""select_ranks: the criterion's choice, warm starts between neighbouring ranks, and
clear errors for grids, rows and folds it cannot use."""

import warnings

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from sklearn.model_selection import KFold

from lsr_arrayapi import LSRClassifier, LSRRegressor, select_ranks
from lsr_arrayapi.data.datasets import make_lsr_problem, make_multiclass_problem
from lsr_arrayapi.selection import embedded_start

SHAPE = (6, 7, 8)


@pytest.fixture(scope="module")
def problem():
    return make_lsr_problem(1500, sample_shape=SHAPE, ranks=(2, 2, 2), separation_rank=1,
                            random_state=3)  # fmt: skip


def test_bic_selects_the_true_ranks_with_warm_starts(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best, table = select_ranks(LSRRegressor(random_state=0), problem.X, problem.y)
    assert [row["ranks"] for row in table] == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]
    assert best.core_.shape == (2, 2, 2)
    assert min(table, key=lambda row: row["criterion"])["ranks"] == (2, 2, 2)
    assert best.init != "lift"  # started from the rank-1 fit, embedded
    assert [row["n_params"] for row in table] == sorted(row["n_params"] for row in table)


def test_an_embedded_start_is_the_same_tensor(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = LSRRegressor(ranks=(1, 2, 1), separation_rank=2, random_state=0, max_iter=20)
        small.fit(problem.X, problem.y)
    start = embedded_start(small, (2, 3, 2))
    assert start["core"].shape == (2, 3, 2)
    coef = np.zeros(SHAPE)
    for term in start["factors"]:
        for W, q in zip(term, (2, 3, 2), strict=True):
            np.testing.assert_allclose(W.T @ W, np.eye(q), atol=1e-12)
        part = start["core"]
        for k, W in enumerate(term):
            part = np.moveaxis(np.tensordot(W, part, axes=(1, k)), 0, k)
        coef += part
    np.testing.assert_allclose(coef, small.coef_, atol=1e-10)


def test_cross_validation_and_bad_criteria(problem):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best, table = select_ranks(LSRRegressor(random_state=0, tol=1e-4), problem.X[:600],
                                   problem.y[:600], ranks=(1, 2), criterion="cv", cv=3)  # fmt: skip
    assert best.core_.shape == (2, 2, 2) and len(table) == 2
    with pytest.raises(ValueError, match="criterion must be one of"):
        select_ranks(LSRRegressor(), problem.X, problem.y, criterion="r2")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"ranks": ()}, "non-empty sequence"),
        ({"ranks": 2}, "non-empty sequence"),
        ({"ranks": (1.5,)}, "each candidate"),
        ({"ranks": ("2",)}, "non-empty sequence|each candidate"),
        ({"separation_ranks": ()}, "separation_ranks"),
        ({"separation_ranks": 1}, "separation_ranks"),
        ({"separation_ranks": (1.0,)}, "separation_ranks"),
        ({"separation_ranks": (0,)}, "separation_ranks"),
    ],
)
def test_bad_candidate_grids_raise_naming_the_argument(problem, arguments, message):
    with pytest.raises(ValueError, match=message):
        select_ranks(LSRRegressor(), problem.X[:50], problem.y[:50], **arguments)


def test_rows_are_checked_before_any_fold_is_split(problem):
    X, y = problem.X[:60], problem.y[:60]
    with pytest.raises(ValueError, match="covariates has 59 rows but X has 60"):
        select_ranks(LSRRegressor(), X, y, criterion="cv", covariates=np.ones((59, 1)))
    with pytest.raises(ValueError, match="y has 59 rows"):
        select_ranks(LSRRegressor(), X, y[:-1])


def test_a_fold_that_cannot_be_fitted_raises_naming_it():
    """Unshuffled folds of sorted labels: the last fold's training part has one class, so
    it cannot be fitted -- an error naming the fold, not a NaN criterion.  (A class
    missing from a training part alone is no error: its test samples are misses.)"""
    p = make_multiclass_problem(90, 3, sample_shape=(3, 4, 5), ranks=(2, 2, 2), random_state=0)
    y = np.where(np.arange(90) < 60, 0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(
            ValueError, match=r"cross-validation fold 2 failed .* at least two classes"
        ):
            select_ranks(
                LSRClassifier(max_iter=20), p.X, y, ranks=(1,), criterion="cv", cv=KFold(3)
            )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_candidates_embed_their_tensor_modes():
    """A multinomial core has its class mode first; warm starts embed the tensor modes only."""
    p = make_multiclass_problem(300, 3, sample_shape=(3, 4, 5), ranks=(2, 2, 2), random_state=0)
    best, table = select_ranks(LSRClassifier(max_iter=30), p.X, p.y, ranks=(1, 2))
    assert [row["ranks"] for row in table] == [(1, 1, 1), (2, 2, 2)]
    assert best.core_.shape[1:] in {(1, 1, 1), (2, 2, 2)} and best.core_.shape[0] == 2


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", CPU_BACKENDS)
def test_cross_validation_on_every_backend_and_on_lists(problem, name):
    """Folds are taken in X's own namespace (array-api-strict too); X may be a nested list."""
    backend = load_backend(name)
    X, y = problem.X[:90], problem.y[:90]
    Z = np.random.default_rng(0).standard_normal((90, 1))
    data = X.tolist() if name == "numpy" else backend.asarray(X)
    best, table = select_ranks(LSRRegressor(max_iter=20, random_state=0), data, y, ranks=(1,),
                               criterion="cv", cv=3, covariates=Z)  # fmt: skip
    reference, expected = select_ranks(LSRRegressor(max_iter=20, random_state=0), X, y,
                                       ranks=(1,), criterion="cv", cv=3, covariates=Z)  # fmt: skip
    assert np.isclose(table[0]["criterion"], expected[0]["criterion"], rtol=1e-6)
    assert np.allclose(backend.to_numpy(best.coef_), reference.coef_, atol=1e-8)


def test_folds_need_two_test_samples_and_candidates_the_data_shape(problem):
    """An R^2 of one sample is 0 whatever the fit, so such folds raise; a candidate too
    large for the samples raises naming its rank before any fold is fitted."""
    from sklearn.model_selection import KFold, LeaveOneOut

    X, y = problem.X[:20], problem.y[:20]
    with pytest.raises(ValueError, match="from 2 to 10"):
        select_ranks(LSRRegressor(), X, y, ranks=(1,), criterion="cv", cv=11)
    with pytest.raises(ValueError, match="fold 0 tests 1 sample"):
        select_ranks(LSRRegressor(), X, y, ranks=(1,), criterion="cv", cv=LeaveOneOut())
    with pytest.raises(ValueError, match=r"ranks\[0\] = 7 must be an integer in \[1, d_1 = 6\]"):
        select_ranks(LSRRegressor(), X, y, ranks=(1, 7), criterion="cv", cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        splits = KFold(2).split(np.zeros(20))  # a one-shot iterator serves every candidate
        _, table = select_ranks(LSRRegressor(max_iter=20), X, y, ranks=(1, 2),
                                criterion="cv", cv=splits)  # fmt: skip
    assert len(table) == 2 and all(np.isfinite(row["criterion"]) for row in table)
