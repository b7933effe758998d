"""Choosing ranks and separation rank by an information criterion or cross-validation.

:func:`select_ranks` fits one model per candidate ``(ranks, S)``.  For S = 1
(Tucker) the candidates run from small to large ranks, and each one starts
from the previous, smaller fit embedded in the larger model (its factors
completed by orthonormal columns, its core padded with zeros: the same
coefficient tensor B), so only the smallest pays the cold start.  For S >= 2
every candidate takes the default cold start: the embedded smaller fit is a
poor start there (S = 2 truth of ranks 2, n = 1000: from the embedded rank-1
fit the rank-2 fit ended at 3.1 times the cold fit's loss, and the BIC then
chose the wrong model), and a new term cannot be embedded at all (the core is
shared, so an added term changes B).

The candidates are fitted to ``grid_tol`` (default 1e-4), looser than an
estimator's default ``tol``: the criteria differ between candidates by
several units of ``log n`` per parameter, far more than the loss moves
after that point, while an over-parametrized candidate (S r_k near d_k)
crawls along its flat directions for hundreds of iterations.  The chosen
candidate is then refitted from its grid fit with the estimator's own ``tol``.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Iterable, Sequence
from typing import Any

import array_api_extra as xpx
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv

from lsr_arrayapi._backends import host_labels, take_rows
from lsr_arrayapi._namespace import array_namespace, device
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal
from lsr_arrayapi.parameters import check_sizes
from lsr_arrayapi.validation import check_X

CRITERIA = ("bic", "aic", "cv")


def select_ranks(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    ranks: Sequence[int | Sequence[int]] = (1, 2, 3),
    separation_ranks: Sequence[int] = (1,),
    criterion: str = "bic",
    cv: int = 5,
    grid_tol: float | None = 1e-4,
    covariates: Any = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """Fit every candidate ``(ranks, S)`` and return the best model and the table.

    Parameters
    ----------
    estimator : LSR estimator
        The model to select for (its other parameters are kept); cloned per candidate.
    X : array of shape (n, d_1, ..., d_K)
        Samples.
    y : array-like of shape (n,)
        Responses (labels for a classifier).
    ranks : sequence of int or of sequences of int, default=(1, 2, 3)
        Candidate Tucker ranks (an int: the same in every mode), tried in this order.
    separation_ranks : sequence of int, default=(1,)
        Candidate separation ranks S.
    criterion : {"bic", "aic", "cv"}, default="bic"
        Lower ``bic`` / ``aic`` on the data, or higher mean ``cv``-fold score
        (the estimator's ``score``; no warm starts, the best refitted on all data).
        Warm starts between ranks apply to S = 1 (see the module docstring).
    cv : int, cross-validation splitter or iterable of (train, test), default=5
        Folds for ``criterion="cv"`` (an int: stratified folds for a classifier,
        as in scikit-learn's ``cross_val_score``).  Every test fold needs two
        samples or more (a score of one sample is 0 whatever the fit).
    grid_tol : float or None, default=1e-4
        The candidates' ``tol`` (the estimator's own when that is looser, or when
        None); the chosen one is refitted from its grid fit with the estimator's ``tol``.
    covariates : array-like of shape (n, p) or None, default=None
        Covariates of every candidate (see the estimators' ``fit``); with
        ``criterion="cv"`` they are split with the samples.

    Returns
    -------
    best : estimator
        The chosen model, fitted on all of ``(X, y)`` to the estimator's ``tol``.
    table : list of dict
        One row per candidate, in the order fitted: ``ranks``, ``separation_rank``,
        ``n_params``, ``loss`` (the final training objective), ``criterion`` (the
        value compared: the BIC or AIC, or minus the mean cross-validated
        score) and ``seconds``; :func:`lsr_arrayapi.plotting.plot_selection`
        draws it.
    """
    if not (isinstance(criterion, str) and criterion in CRITERIA):
        raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
    if grid_tol is not None and not (
        isinstance(grid_tol, numbers.Real)
        and not isinstance(grid_tol, bool)
        and 0 < grid_tol < math.inf
    ):
        raise ValueError(f"grid_tol must be a positive finite number or None, got {grid_tol!r}")
    if not hasattr(X, "shape"):  # a nested list
        X = check_X(X)[1]
    _check_rows(X, y, covariates)
    if criterion == "cv":
        cv = _check_cv(cv, int(X.shape[0]))
    tol = estimator.get_params()["tol"]
    loose = tol if grid_tol is None else max(tol, grid_tol)
    K = len(X.shape) - 1
    candidates = _candidate_ranks(ranks, K)
    separations = _separation_ranks(separation_ranks)
    for S in separations:  # every candidate fits the data's shape, before any fit
        for shape in candidates:
            check_sizes(shape, tuple(int(d) for d in X.shape[1:]), S)
    table: list[dict[str, Any]] = []
    fitted: list[Any] = []
    for S in separations:
        previous = None
        for shape in candidates:
            began = time.perf_counter()
            model = clone(estimator).set_params(ranks=shape, separation_rank=S, tol=loose)
            if criterion == "cv":
                value = -_cv_score(model, X, y, cv, covariates)
                model.fit(X, y, covariates=covariates)
            else:
                # a multinomial fit's core has its class mode first: embed the tensor modes
                full = shape if previous is None else tuple(previous.core_.shape[:-K]) + shape
                if S == 1 and previous is not None and _embeds(previous, full):
                    model.set_params(init=embedded_start(previous, full))
                model.fit(X, y, covariates=covariates)
                value = getattr(model, criterion)(X, y, covariates)
                previous = model
            fitted.append(model)
            table.append(
                {
                    "ranks": shape,
                    "separation_rank": S,
                    "n_params": model.n_params_,
                    "loss": float(model.history_["loss"][-1]),
                    "criterion": value,
                    "seconds": time.perf_counter() - began,
                }
            )
    best = fitted[min(range(len(table)), key=lambda i: table[i]["criterion"])]
    if loose == tol:
        return best, table
    start = {
        "core": best.core_,
        "factors": best.factors_,
        "intercept": best.intercept_,
        "covariate_coef": best.covariate_coef_,
    }
    return clone(best).set_params(tol=tol, init=start).fit(X, y, covariates=covariates), table


def _cv_score(model: Any, X: Any, y: Any, cv: Any, covariates: Any) -> float:
    """The mean score over the folds of ``cv`` (stratified for a classifier, as in
    scikit-learn's ``cross_val_score``); the rows of X, y and the covariates are taken
    in their own namespaces, so X of any array library (array-api-strict included)
    stays where it is.  A fold that cannot be fitted or scored raises, naming it."""
    classifier = is_classifier(model)
    splitter = check_cv(cv, host_labels(y) if classifier else None, classifier=classifier)
    n = int(X.shape[0])
    rows = list(range(n))
    scores = []
    for fold, (train, test) in enumerate(
        splitter.split(rows, host_labels(y) if classifier else None)
    ):
        if len(test) < 2:  # an R^2 (or a D^2) of one sample is 0 whatever the fit
            raise ValueError(
                f"cross-validation fold {fold} tests {len(test)} sample; a score needs at "
                "least two: use fewer folds"
            )
        part = clone(model)

        def split(values: Any, index: Any) -> Any:
            return None if values is None else take_rows(values, index)

        try:
            part.fit(take_rows(X, train), take_rows(y, train), covariates=split(covariates, train))
            scores.append(
                float(
                    part.score(
                        take_rows(X, test), take_rows(y, test), covariates=split(covariates, test)
                    )
                )
            )
        except ValueError as exc:
            raise ValueError(
                f"cross-validation fold {fold} failed for ranks {model.ranks}, "
                f"separation_rank {model.separation_rank}: {exc}"
            ) from exc
    return sum(scores) / len(scores)


def _candidate_ranks(ranks: Any, K: int) -> list[tuple[int, ...]]:
    """The candidates as tuples of K ranks (an int: the same in every mode)."""
    if not _is_sequence(ranks) or len(ranks) == 0:
        raise ValueError(
            f"ranks must be a non-empty sequence of candidates, each an int or {K} ints; "
            f"got {ranks!r}"
        )
    candidates = []
    for r in ranks:
        if _is_int(r):
            candidates.append((int(r),) * K)
        elif _is_sequence(r) and all(_is_int(v) for v in r):
            candidates.append(tuple(int(v) for v in r))
        else:
            raise ValueError(f"each candidate in ranks must be an int or {K} ints, got {r!r}")
    return candidates


def _separation_ranks(separation_ranks: Any) -> list[int]:
    if (
        not _is_sequence(separation_ranks)
        or len(separation_ranks) == 0
        or not all(_is_int(S) and S >= 1 for S in separation_ranks)
    ):
        raise ValueError(
            f"separation_ranks must be a non-empty sequence of positive ints, got {separation_ranks!r}"
        )
    return [int(S) for S in separation_ranks]


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _check_cv(cv: Any, n: int) -> Any:
    """``cv`` checked: folds ``2 <= cv <= n // 2`` (every test fold has two samples or
    more), an object with scikit-learn's splitter interface, or an iterable of
    ``(train, test)`` index pairs (returned as a list, so every candidate sees them)."""
    if hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        return cv
    if _is_int(cv) and 2 <= cv <= n // 2:
        return cv
    if not _is_int(cv) and isinstance(cv, Iterable) and not isinstance(cv, str | bytes):
        splits = _index_pairs(list(cv), n)
        if splits is not None:
            return splits
    raise ValueError(
        f"cv must be a number of folds from 2 to {n // 2} (half the {n} samples: a score "
        f"needs at least two test samples), a cross-validation splitter or an iterable of "
        f"(train, test) indices; got {cv!r}"
    )


def _index_pairs(splits: list[Any], n: int) -> list[tuple[list[int], list[int]]] | None:
    """``splits`` as lists of ``(train, test)`` row indices in ``[0, n)``, each part
    non-empty and 1-D, or None when they are not that."""
    pairs = []
    for pair in splits:
        if not (_is_sequence(pair) or hasattr(pair, "__len__")) or len(pair) != 2:
            return None
        parts = []
        for part in pair:
            rows = list(part) if hasattr(part, "__iter__") else None
            if not rows or not all(_is_int(i) and 0 <= i < n for i in rows):
                return None
            parts.append([int(i) for i in rows])
        pairs.append((parts[0], parts[1]))
    return pairs or None


def _check_rows(X: Any, y: Any, covariates: Any) -> None:
    """y and the covariates have X's number of rows (before any fold is split)."""
    n = int(X.shape[0])
    for name, values in (("y", y), ("covariates", covariates)):
        if values is None:
            continue
        rows = int(values.shape[0]) if hasattr(values, "shape") else len(values)
        if rows != n:
            raise ValueError(f"{name} has {rows} rows but X has {n} samples")


def _embeds(model: Any, ranks: tuple[int, ...]) -> bool:
    return all(r <= q for r, q in zip(model.core_.shape, ranks, strict=True))


def embedded_start(model: Any, ranks: tuple[int, ...]) -> dict[str, Any]:
    """A fitted model as a start of larger ``ranks``, the same S and the same B.

    Each factor ``(d_k, r_k)`` gets ``q_k - r_k`` orthonormal columns orthogonal to
    its own (a QR of ``[W, Z]`` with a fixed, deterministic Z keeps W as its first
    columns), and the core is padded with zeros.
    """
    xp = array_namespace(model.core_)
    core = xpx.pad(
        model.core_, [(0, q - r) for r, q in zip(model.core_.shape, ranks, strict=True)], xp=xp
    )
    factors = []
    for term in model.factors_:
        completed = []
        for W, q in zip(term, ranks, strict=True):
            d, r = W.shape
            extra = xp.reshape(
                xp.cos(xp.arange(d * (q - r), dtype=W.dtype, device=device(W)) * math.e),
                (d, q - r),
            )
            completed.append(qr_orthonormal(xp.concat([W, extra], axis=1)))
        factors.append(completed)
    return {
        "core": core,
        "factors": factors,
        "intercept": model.intercept_,
        "covariate_coef": model.covariate_coef_,
    }
