"""Bootstrap intervals of the coefficient tensor: refits on resampled samples.

Each replicate draws n samples with replacement (indices from one host
generator, so the same ``random_state`` gives the same replicates on every
backend), refits the estimator from the full-data fit (a warm start: the
replicates stay in its basin and cost a fraction of a cold fit), and keeps
the coefficient tensor.  Intervals are the replicates' percentiles; the
standard error is their standard deviation.  Replicates run in threads with
``n_jobs`` (joblib); array libraries release the GIL in their kernels, and
device arrays never leave their device.
"""

from __future__ import annotations

import warnings
from typing import Any

from array_api_compat import is_array_api_obj
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi._backends import RandomState, host_labels, host_rng
from lsr_arrayapi._namespace import array_namespace, device


def bootstrap_coefs(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    covariates: Any = None,
    n_boot: int = 200,
    n_jobs: int | None = None,
    random_state: RandomState = None,
) -> Any:
    """Coefficient tensors of ``n_boot`` refits on resampled data, ``(n_boot, d_1, ..., d_K)``.

    ``estimator`` is fitted on ``(X, y)``; X is an array of any namespace,
    ``y``, ``sample_weight`` and ``covariates`` (n, p) array-likes of n rows.  Warns
    (:class:`~sklearn.exceptions.ConvergenceWarning`) with the count of
    replicates that did not converge.
    """
    xp = array_namespace(X)
    n = int(X.shape[0])
    rng = host_rng(random_state)
    draws = [rng.integers(0, n, size=n) for _ in range(n_boot)]
    start = {
        "core": estimator.core_,
        "factors": estimator.factors_,
        "intercept": estimator.intercept_,
        "covariate_coef": estimator.covariate_coef_,
    }
    template = clone(estimator).set_params(init=start, verbose=0)

    def replicate(rows: Any) -> tuple[Any, bool]:
        index = xp.asarray(rows, device=device(X))
        model = clone(template)
        weight = None if sample_weight is None else _take(sample_weight, rows)
        Z = None if covariates is None else _take(covariates, rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(xp.take(X, index, axis=0), _take(y, rows), sample_weight=weight, covariates=Z)
        return model.coef_, bool(model.converged_)

    results = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(replicate)(rows) for rows in draws)
    missed = sum(not converged for _, converged in results)
    if missed:
        warnings.warn(
            f"{missed} of {n_boot} bootstrap refits did not converge within max_iter; "
            "raise max_iter for tighter intervals",
            ConvergenceWarning,
            stacklevel=3,
        )
    coefs = [coef for coef, _ in results]
    return array_namespace(coefs[0]).stack(coefs, axis=0)


def _take(values: Any, rows: Any) -> Any:
    """``values[rows]`` for an array of any namespace or a host sequence (labels)."""
    if not is_array_api_obj(values):
        return host_labels(values)[rows]
    xp = array_namespace(values)
    return xp.take(values, xp.asarray(rows, device=device(values)), axis=0)


def percentile_interval(coefs: Any, alpha: float) -> tuple[Any, Any]:
    """The ``alpha/2`` and ``1 - alpha/2`` percentiles over axis 0 (linear interpolation)."""
    xp = array_namespace(coefs)
    ordered = xp.sort(coefs, axis=0)
    return _quantile(ordered, alpha / 2, xp), _quantile(ordered, 1 - alpha / 2, xp)


def _quantile(ordered: Any, level: float, xp: Any) -> Any:
    position = level * (ordered.shape[0] - 1)
    below = int(position)
    above = min(below + 1, ordered.shape[0] - 1)
    fraction = position - below
    return (1 - fraction) * ordered[below, ...] + fraction * ordered[above, ...]
