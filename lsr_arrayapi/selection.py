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
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import array_api_extra as xpx
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from lsr_arrayapi._namespace import array_namespace, device
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal

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
    cv : int, default=5
        Folds for ``criterion="cv"``.

    Returns
    -------
    best : estimator
        The chosen model, fitted on all of ``(X, y)``.
    table : list of dict
        One row per candidate, in the order fitted: ``ranks``, ``separation_rank``,
        ``n_params``, ``loss`` (the final training objective), ``criterion`` (the
        value compared: the BIC or AIC, or minus the mean cross-validated
        score) and ``seconds``.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}, got {criterion!r}")
    K = len(X.shape) - 1
    candidates = [(r,) * K if isinstance(r, int) else tuple(int(v) for v in r) for r in ranks]
    table: list[dict[str, Any]] = []
    fitted: list[Any] = []
    for S in separation_ranks:
        previous = None
        for shape in candidates:
            began = time.perf_counter()
            model = clone(estimator).set_params(ranks=shape, separation_rank=S)
            if criterion == "cv":
                value = -float(cross_val_score(model, X, y, cv=cv).mean())
                model.fit(X, y)
            else:
                if S == 1 and previous is not None and _embeds(previous, shape):
                    model.set_params(init=embedded_start(previous, shape))
                model.fit(X, y)
                value = getattr(model, criterion)(X, y)
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
    best = min(range(len(table)), key=lambda i: table[i]["criterion"])
    return fitted[best], table


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
    return {"core": core, "factors": factors, "intercept": model.intercept_}
