"""Starting factors for the solver.

* ``"spectral"`` -- HOSVD of the moment tensor ``R0 = sum_i w_i (g_i - mean g) X_i``
  (g the per-sample gradient at the null model): one pass over X; term s takes
  the s-th block of ``r_k`` leading singular vectors of each unfolding (random
  orthonormal columns where those run out).
* ``"random"`` -- random orthonormal factors from the fit's host generator.
* a mapping or fit result with ``core``, ``factors`` (and optional
  ``intercept``) -- the user's warm start.

The core is then set by an exact line search from zero (:mod:`solver`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsr_arrayapi._backends import Generator, standard_normal
from lsr_arrayapi._namespace import follow
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal
from lsr_arrayapi.linalg.tensor import unfold

INIT_STRATEGIES = ("spectral", "random")


def random_orthonormal(rng: Generator, rows: int, cols: int, *, xp: Any, like: Any) -> Any:
    """A ``(rows, cols)`` matrix with orthonormal columns, Haar-distributed."""
    return qr_orthonormal(standard_normal(rng, (rows, cols), xp=xp, like=like))


def random_factors(
    rng: Generator,
    sample_shape: tuple[int, ...],
    ranks: tuple[int, ...],
    S: int,
    *,
    xp: Any,
    like: Any,
) -> list[list[Any]]:
    return [
        [
            random_orthonormal(rng, d, r, xp=xp, like=like)
            for d, r in zip(sample_shape, ranks, strict=True)
        ]
        for _ in range(S)
    ]


def spectral_factors(
    moment: Any, ranks: tuple[int, ...], S: int, rng: Generator, *, xp: Any
) -> list[list[Any]]:
    """Leading singular vectors of each unfolding of ``moment`` (shape d), split over S terms."""
    factors: list[list[Any]] = [[] for _ in range(S)]
    for k, rank in enumerate(ranks):
        left, _, _ = xp.linalg.svd(unfold(moment, k, xp), full_matrices=False)
        for s in range(S):
            if (s + 1) * rank <= left.shape[1]:
                block = left[:, s * rank : (s + 1) * rank]
            else:  # singular vectors ran out (no out-of-bounds slice: the standard leaves it open)
                block = random_orthonormal(rng, moment.shape[k], rank, xp=xp, like=moment)
            factors[s].append(block)
    return factors


def warm_start(start: Any, *, xp: Any, like: Any) -> tuple[Any, list[list[Any]], float | None]:
    """Unpack a user start (mapping or object with ``core``/``factors``/``intercept``)."""
    get = (
        start.get
        if isinstance(start, Mapping)
        else lambda key, default=None: getattr(start, key, default)
    )
    core, factors = get("core"), get("factors")
    if core is None or factors is None:
        raise ValueError("a warm start needs 'core' and 'factors'")
    core = follow(core, like, xp=xp, dtype=like.dtype)
    factors = [[follow(f, like, xp=xp, dtype=like.dtype) for f in term] for term in factors]
    intercept = get("intercept", None)
    return core, factors, None if intercept is None else float(intercept)


def check_start_shapes(
    core: Any,
    factors: list[list[Any]],
    sample_shape: tuple[int, ...],
    ranks: tuple[int, ...],
    S: int,
) -> None:
    if tuple(core.shape) != ranks:
        raise ValueError(f"warm-start core has shape {tuple(core.shape)}, expected ranks {ranks}")
    if len(factors) != S or any(len(term) != len(ranks) for term in factors):
        raise ValueError(f"warm-start factors must be {S} lists of {len(ranks)} matrices")
    for term in factors:
        for k, factor in enumerate(term):
            if tuple(factor.shape) != (sample_shape[k], ranks[k]):
                raise ValueError(
                    f"warm-start factor for mode {k} has shape {tuple(factor.shape)}, "
                    f"expected {(sample_shape[k], ranks[k])}"
                )
