"""Warn when a cold-started fit is much worse than the Tucker fit it was lifted from.

An LSR model (ranks r, S terms) is a sub-model of the Tucker model with ranks
``q_k = min(S r_k, d_k)`` that the cold start fits first
(:mod:`lsr_arrayapi.starts.lift`).  At the two maximum-likelihood fits the
likelihood-ratio statistic ``2 n (loss_LSR - loss_Tucker)`` is about
chi-squared with ``p_Tucker - p_LSR`` degrees of freedom when the LSR form
holds, so per degree of freedom it is about 1; for least squares the noise
variance is estimated from the Tucker residual (the F statistic).  A
stationary point far from the maximum-likelihood fit -- the failure the cold
start exists to avoid -- shows as a statistic several times larger
(``python -m lsr_arrayapi.bench coldstart`` counts the warnings; docs/coldstart.md).
So does a model whose ranks are too small for the data; the warning names both causes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

__all__ = [
    "StartWarning",
    "far_from_tucker",
    "lack_of_fit",
    "model_dimension",
    "smaller_than_tucker",
    "tucker_dimension",
    "tucker_ranks",
    "uncheckable",
    "warn_disagreement",
    "warn_if_far_from_tucker",
    "warn_uncheckable",
]

#: Warn above this statistic per degree of freedom: about 1 at a good fit, somewhat more
#: at small n (the Tucker fit overfits), far more at spurious points (docs/coldstart.md).
THRESHOLD = 3.0
#: The check needs ``n - p_Tucker >= MIN_RESIDUAL_DOF * p_Tucker``: on the paper's shape
#: at n = 200 (4 residual degrees of freedom for 196 parameters) the statistic ranged
#: 2.1-7.4 over spurious fits; from n = 300 (104 for 196) it separates them
#: (``python -m lsr_arrayapi.bench coldstart --only small``).
MIN_RESIDUAL_DOF = 0.25


class StartWarning(UserWarning):
    """The fit may be a spurious stationary point (see :mod:`lsr_arrayapi.starts.lack_of_fit`)."""


def tucker_ranks(
    shape: Sequence[int], ranks: Sequence[int], S: int, extra: int = 0
) -> tuple[int, ...]:
    """Ranks of the Tucker model holding the LSR one: ``min(S r_k + extra, d_k)``."""
    return tuple(min(S * r + extra, d) for r, d in zip(ranks, shape, strict=True))


def model_dimension(shape: Sequence[int], ranks: Sequence[int], S: int) -> int:
    """Dimension of the LSR manifold: S orthonormal factor sets, a core, less the shared gauge.

    ``S sum_k (d_k r_k - r_k (r_k + 1) / 2) + prod r - sum_k r_k (r_k - 1) / 2``
    (for S = 1 the Tucker dimension ``prod r + sum_k r_k (d_k - r_k)``).
    """
    stiefel = sum(d * r - r * (r + 1) // 2 for d, r in zip(shape, ranks, strict=True))
    gauge = sum(r * (r - 1) // 2 for r in ranks)
    return S * stiefel + math.prod(ranks) - gauge


def tucker_dimension(shape: Sequence[int], ranks: Sequence[int], S: int) -> int:
    """Dimension of the Tucker model holding the LSR one (ranks :func:`tucker_ranks`)."""
    return model_dimension(shape, tucker_ranks(shape, ranks, S), 1)


def smaller_than_tucker(shape: Sequence[int], ranks: Sequence[int], S: int) -> bool:
    """Whether the LSR model has fewer dimensions than its Tucker model, so that the
    likelihood-ratio statistic has degrees of freedom (not so for K = 2: two rank-3
    terms of a 20 x 25 matrix cover the rank-6 matrices)."""
    return model_dimension(shape, ranks, S) < tucker_dimension(shape, ranks, S)


def lack_of_fit(
    lsr_loss: float,
    tucker_loss: float,
    n: int,
    shape: Sequence[int],
    ranks: Sequence[int],
    S: int,
    quadratic: bool,
) -> float | None:
    """Likelihood-ratio statistic per degree of freedom (about 1 at a good fit).

    ``None`` where it is undefined: the LSR model is not smaller than the Tucker
    one (e.g. K = 2), or the Tucker fit has no residual degrees of freedom.
    Losses are mean negative log-likelihoods; ``quadratic`` selects the F form.
    """
    tucker_dim = tucker_dimension(shape, ranks, S)
    dof = tucker_dim - model_dimension(shape, ranks, S)
    if dof <= 0 or n <= tucker_dim:
        return None
    gap = max(lsr_loss - tucker_loss, 0.0)
    if quadratic:  # F: (RSS_L - RSS_T) / dof over RSS_T / (n - p_T)
        return gap / max(tucker_loss, 1e-300) * (n - tucker_dim) / dof
    return 2.0 * n * gap / dof


def uncheckable(n: int, shape: Sequence[int], ranks: Sequence[int], S: int) -> bool:
    """Whether n is too small for the check: fewer than ``MIN_RESIDUAL_DOF`` residual
    degrees of freedom per Tucker parameter.

    There the Tucker fit nearly interpolates, its own landscape is rugged, and the
    statistic is noise (the F statistic's denominator has ``n - p_Tucker`` degrees of
    freedom).  Only where the check otherwise applies (LSR smaller than Tucker).
    """
    tucker_dim = tucker_dimension(shape, ranks, S)
    few = n - tucker_dim < MIN_RESIDUAL_DOF * tucker_dim
    return smaller_than_tucker(shape, ranks, S) and few


def warn_uncheckable(n: int, shape: Sequence[int], ranks: Sequence[int], S: int) -> None:
    """Issue a :class:`StartWarning` saying that the start could not be checked."""
    tucker_dim = tucker_dimension(shape, ranks, S)
    warnings.warn(
        f"{n} samples leave too few degrees of freedom beside the {tucker_dim} parameters of "
        "the Tucker model the cold start begins with, so the start cannot be checked, and at "
        "this sample size it "
        "often ends at a spurious stationary point rather than the maximum-likelihood fit. "
        "Compare fits from several random_state values (keep the lowest loss), use more "
        "samples, or smaller ranks or separation_rank.",
        StartWarning,
        stacklevel=4,  # the caller of fit_lsr
    )


def warn_disagreement(kept: float, other: float) -> None:
    """Issue a :class:`StartWarning`: independent starts ended at different losses."""
    warnings.warn(
        f"two independent starts ended at different losses ({kept:.6g} kept, {other:.6g}): "
        "at this sample size the likelihood has several optima, and the kept fit may not be "
        "the maximum-likelihood one. Compare fits from several random_state values (keep "
        "the lowest loss), or use more samples.",
        StartWarning,
        stacklevel=4,  # the caller of fit_lsr
    )


def far_from_tucker(statistic: float | None) -> bool:
    """Whether ``statistic`` (from :func:`lack_of_fit`) exceeds :data:`THRESHOLD`."""
    return statistic is not None and statistic > THRESHOLD


def warn_if_far_from_tucker(statistic: float | None) -> None:
    """Issue a :class:`StartWarning` when ``statistic`` exceeds :data:`THRESHOLD`."""
    if not far_from_tucker(statistic):
        return
    warnings.warn(
        f"the fit's loss is far above the Tucker fit it started from (likelihood-ratio "
        f"statistic {statistic:.1f} per degree of freedom; about 1 at a maximum-likelihood "
        "fit of a model with this structure): it may be a spurious stationary point, or the "
        "ranks may be too small for the data. Compare fits from other random_state values "
        "or a larger n_init, or try larger ranks.",
        StartWarning,
        stacklevel=4,  # the caller of fit_lsr
    )
