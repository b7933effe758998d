"""The StartWarning: a cold-started fit checked against the Tucker fit it was lifted from."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lsr_arrayapi import StartWarning, fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.starts.lack_of_fit import lack_of_fit, model_dimension, warn_if_far_from_tucker


def test_model_dimension_counts_stiefel_factors_a_core_and_the_shared_gauge():
    # Tucker (S = 1): prod r + sum_k r_k (d_k - r_k)
    assert model_dimension((8, 9, 10), (6, 6, 6), 1) == 216 + 6 * (2 + 3 + 4)
    # a matrix of rank r (K = 2, core r x r): r (d_1 + d_2 - r)
    assert model_dimension((20, 25), (3, 3), 1) == 3 * (20 + 25 - 3)
    # S = 2 adds one more set of orthonormal factors, nothing else
    one, two = model_dimension((8, 9, 10), (2, 3, 2), 1), model_dimension((8, 9, 10), (2, 3, 2), 2)
    assert two - one == sum(
        d * r - r * (r + 1) // 2 for d, r in zip((8, 9, 10), (2, 3, 2), strict=True)
    )


def test_lack_of_fit_is_undefined_where_the_lsr_model_is_not_smaller():
    # K = 2, S = 2, r = 3: the LSR set has at least the rank-6 matrices' dimension
    assert lack_of_fit(1.0, 0.5, n=600, shape=(20, 25), ranks=(3, 3), S=2, quadratic=True) is None
    # fewer samples than Tucker parameters: no residual degrees of freedom
    assert (
        lack_of_fit(1.0, 0.5, n=100, shape=(8, 9, 10), ranks=(2, 2, 2), S=3, quadratic=True) is None
    )


def test_lack_of_fit_scales_like_an_f_or_chi2_statistic():
    shape, ranks, S = (8, 9, 10), (2, 2, 2), 3
    dof = model_dimension(shape, (6, 6, 6), 1) - model_dimension(shape, ranks, S)
    n = 1500
    residual_dof = n - model_dimension(shape, (6, 6, 6), 1)
    # least squares: relative loss gap times (n - p_T) / dof
    assert lack_of_fit(
        1.1, 1.0, n=n, shape=shape, ranks=ranks, S=S, quadratic=True
    ) == pytest.approx(0.1 * residual_dof / dof)
    # other families: 2 n (loss gap) / dof
    assert lack_of_fit(
        0.51, 0.5, n=n, shape=shape, ranks=ranks, S=S, quadratic=False
    ) == pytest.approx(2 * n * 0.01 / dof)


def test_warning_fires_only_above_the_threshold():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_far_from_tucker(None)
        warn_if_far_from_tucker(2.5)
    with pytest.warns(StartWarning, match="spurious stationary point"):
        warn_if_far_from_tucker(5.0)


def _fit(problem, ranks, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_lsr(problem.X, problem.y, ranks=ranks, separation_rank=2, random_state=0, **options)
    return [w for w in caught if issubclass(w.category, StartWarning)]


def test_a_good_cold_fit_does_not_warn_and_too_small_ranks_do():
    """At the right ranks the default fit is the maximum-likelihood one: no warning.
    Ranks (1, 1, 1) against a (2, 3, 2) truth: the data reject the model."""
    problem = make_lsr_problem(
        1500, sample_shape=(8, 9, 10), ranks=(2, 3, 2), separation_rank=2, random_state=1003
    )
    assert _fit(problem, (2, 3, 2), max_iter=300) == []
    assert len(_fit(problem, (1, 1, 1), max_iter=300)) == 1


def test_an_unconverged_fit_is_checked_too():
    """The loss gap is evidence whether or not the fit converged: a fit stopped by
    max_iter far above the Tucker fit warns (next to the ConvergenceWarning)."""
    problem = make_lsr_problem(
        1500, sample_shape=(8, 9, 10), ranks=(2, 3, 2), separation_rank=2, random_state=1003
    )
    assert len(_fit(problem, (1, 1, 1), max_iter=2)) == 1


def test_no_check_without_an_unpenalized_cold_fit():
    problem = make_lsr_problem(
        1500, sample_shape=(8, 9, 10), ranks=(2, 3, 2), separation_rank=2, random_state=1003
    )
    assert _fit(problem, (1, 1, 1), max_iter=300, alpha=1e-3) == []  # penalized
    assert _fit(problem, (1, 1, 1), max_iter=300, init="spectral") == []  # no Tucker stage
    weights = np.ones(problem.y.shape[0])
    assert _fit(problem, (1, 1, 1), max_iter=300, sample_weight=weights) == []


def test_a_spurious_s3_fit_is_rescued_by_the_wider_tucker_stage():
    """Seed 38 of the S = 3 benchmark setting: the lift from the (6, 6, 6) Tucker fit
    ends at a spurious point (statistic 7.8); the fallback with a (7, 7, 7) Tucker
    stage reaches the loss of the fit started at the truth, and no warning remains."""
    problem = make_lsr_problem(
        1500, sample_shape=(8, 9, 10), ranks=(2, 2, 2), separation_rank=3, random_state=1038
    )
    options = {"ranks": (2, 2, 2), "separation_rank": 3, "max_iter": 300}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cold = fit_lsr(problem.X, problem.y, random_state=38, **options)
        from_truth = fit_lsr(problem.X, problem.y, init=problem, **options)
    assert not [w for w in caught if issubclass(w.category, StartWarning)]
    assert cold.history["loss"][-1] <= from_truth.history["loss"][-1] * (1 + 1e-6)


def test_s3_splits_get_enough_restarts():
    """Seed 7 of the S = 3 benchmark setting: with 128 core-split restarts the lift
    ended 13 % above the truth-started fit's loss and the check stayed silent
    (statistic under the threshold); with CORE_RESTARTS (S - 1)^2 = 256 it reaches it."""
    problem = make_lsr_problem(
        1500, sample_shape=(8, 9, 10), ranks=(2, 2, 2), separation_rank=3, random_state=1007
    )
    options = {"ranks": (2, 2, 2), "separation_rank": 3, "max_iter": 300}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cold = fit_lsr(problem.X, problem.y, random_state=7, **options)
        from_truth = fit_lsr(problem.X, problem.y, init=problem, **options)
    assert cold.history["loss"][-1] <= from_truth.history["loss"][-1] * (1 + 1e-6)
