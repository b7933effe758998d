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

from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi._backends import RandomState, host_labels, host_rng, take_rows
from lsr_arrayapi._namespace import array_namespace


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
    """Coefficient tensors of the refits on resampled data, ``(n_boot, d_1, ..., d_K)`` (fewer
    rows when some are left out, below).

    ``estimator`` is fitted on ``(X, y)``; X is an array of any namespace,
    ``y``, ``sample_weight`` and ``covariates`` (n, p) array-likes of n rows.  Warns
    (:class:`~sklearn.exceptions.ConvergenceWarning`) with the count of
    replicates that did not converge.  A resample the model cannot be fitted to
    (a covariate made constant, say) is left out with a ``UserWarning``, and
    ``ValueError`` is raised when that is more than half of them.
    """
    n = int(X.shape[0])
    rng = host_rng(random_state)
    labels = host_labels(y) if is_classifier(estimator) else None
    draws = [_resample(rng, n, labels) for _ in range(n_boot)]
    start = {
        "core": estimator.core_,
        "factors": estimator.factors_,
        "intercept": estimator.intercept_,
        "covariate_coef": estimator.covariate_coef_,
    }
    template = clone(estimator).set_params(init=start, verbose=0)

    def replicate(rows: Any) -> tuple[Any, bool | str]:
        model = clone(template)
        weight = None if sample_weight is None else take_rows(sample_weight, rows)
        Z = None if covariates is None else take_rows(covariates, rows)
        try:
            model.fit(take_rows(X, rows), take_rows(y, rows), sample_weight=weight, covariates=Z)
        except ValueError as exc:  # a resample the model cannot be fitted to
            return None, str(exc)
        return model.coef_, bool(model.converged_)

    # The refits' warnings are counted below instead.  The filter is set here, in the
    # calling thread, around all of them: ``catch_warnings`` swaps the process-wide
    # filters, so entered in each worker thread one thread restores another's "ignore"
    # and the process is left silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(replicate)(rows) for rows in draws
        )
    failed = [reason for coef, reason in results if coef is None]
    if 2 * len(failed) > n_boot:
        raise ValueError(
            f"{len(failed)} of {n_boot} bootstrap refits failed on their resamples, e.g.: "
            f"{failed[0]}; use method='fisher'"
        )
    if failed:
        warnings.warn(
            f"{len(failed)} of {n_boot} bootstrap refits failed on their resamples and are "
            f"left out (e.g.: {failed[0]})",
            UserWarning,
            stacklevel=3,
        )
    coefs = [coef for coef, _ in results if coef is not None]
    missed = sum(converged is False for _, converged in results)
    if missed:
        warnings.warn(
            f"{missed} of {n_boot} bootstrap refits did not converge within max_iter; "
            "raise max_iter for tighter intervals",
            ConvergenceWarning,
            stacklevel=3,
        )
    return array_namespace(coefs[0]).stack(coefs, axis=0)


def _resample(rng: Any, n: int, labels: Any, tries: int = 100) -> Any:
    """n indices drawn with replacement; for a classifier (``labels`` on the host), redrawn
    until every class is present (the bootstrap conditional on the classes, so the
    refit has the fitted model's classes)."""
    classes = None if labels is None else len(set(labels.tolist()))
    for _ in range(tries):
        rows = rng.integers(0, n, size=n)
        if classes is None or len(set(labels[rows].tolist())) == classes:
            return rows
    raise ValueError(
        f"a class is too rare to appear in {tries} bootstrap resamples of {n} samples; "
        "use method='fisher'"
    )


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
