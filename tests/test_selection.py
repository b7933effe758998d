"""select_ranks: the criterion's choice, warm starts between neighbouring ranks."""

import warnings

import numpy as np
import pytest

from lsr_arrayapi import LSRRegressor, select_ranks
from lsr_arrayapi.data.datasets import make_lsr_problem
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
