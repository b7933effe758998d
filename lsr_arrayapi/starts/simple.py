"""The simple starts: random and spectral factors, and the user's warm start.

* ``"spectral"`` -- HOSVD of the moment tensor ``R0 = sum_i w_i (g_i - mean g) X_i``
  (g the per-sample gradient at the null model): one pass over X; term s takes
  the s-th block of ``r_k`` leading singular vectors of each unfolding (random
  orthonormal columns where those run out).
* ``"random"`` -- random orthonormal factors from the fit's host generator.
* a mapping or fit result with ``core``, ``factors`` (and optional
  ``intercept``) -- the user's warm start.

The core is then set by an exact line search from zero
(:func:`lsr_arrayapi.solvers.run.initial_point`), which first puts the
state at random orthonormal factors and a zero core; a strategy's
``factors(state, rng)`` returns the factors to start from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from lsr_arrayapi._backends import Generator, standard_normal
from lsr_arrayapi._namespace import follow
from lsr_arrayapi.linalg.orthogonalize import qr_orthonormal
from lsr_arrayapi.linalg.tensor import unfold


@dataclass(frozen=True)
class RandomStart:
    """Random orthonormal factors from the fit's host generator (``init="random"``)."""

    name: ClassVar[str] = "random"

    def factors(self, state: Any, rng: Generator) -> list[list[Any]]:
        """The random factors the state starts at."""
        return state.factors  # the random factors the state starts at

    def fit(self, run: Callable[[Any], Any], problem: Any) -> Any:
        """The fit proper from random factors."""
        return run(self)


@dataclass(frozen=True)
class SpectralStart:
    """HOSVD of the moment tensor at the null model (``init="spectral"``): one pass over X."""

    name: ClassVar[str] = "spectral"

    def factors(self, state: Any, rng: Generator) -> list[list[Any]]:
        """Leading singular vectors of the moment tensor's unfoldings."""
        xp, objective = state.xp, state.objective
        gradient = objective.sample_gradient(state.eta)
        moment = state.design.adjoint(gradient - xp.mean(gradient))
        return spectral_factors(moment, tuple(state.core.shape), len(state.factors), rng, xp=xp)

    def fit(self, run: Callable[[Any], Any], problem: Any) -> Any:
        """The fit proper from the spectral factors."""
        return run(self)


@dataclass(frozen=True)
class WarmStart:
    """The user's start ``point`` (``{"core", "factors", "intercept"}``, checked)."""

    name: ClassVar[str] = "warm"
    point: Mapping[str, Any]

    def fit(self, run: Callable[[Any], Any], problem: Any) -> Any:
        """The fit proper from the user's point."""
        return run(self.point)


def random_orthonormal(
    rng: Generator, rows: int, cols: int, *, xp: Any, like: Any, batch: tuple[int, ...] = ()
) -> Any:
    """A ``(*batch, rows, cols)`` stack of matrices with orthonormal columns, Haar-distributed
    (one draw: the same numbers as one call per matrix, in order)."""
    return qr_orthonormal(standard_normal(rng, (*batch, rows, cols), xp=xp, like=like))


def random_factors(
    rng: Generator,
    sample_shape: tuple[int, ...],
    ranks: tuple[int, ...],
    S: int,
    *,
    xp: Any,
    like: Any,
) -> list[list[Any]]:
    """S terms of K random orthonormal factors ``(d_k, r_k)``."""
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


def warm_start(start: Any, *, xp: Any, like: Any) -> tuple[Any, list[list[Any]], Any]:
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
    if intercept is None:
        return core, factors, None
    if getattr(intercept, "ndim", 0) >= 1:  # one per predictor (the multinomial family)
        return core, factors, follow(intercept, like, xp=xp, dtype=like.dtype)
    return core, factors, float(intercept)


def warm_covariate_coef(start: Any, shape: tuple[int, ...], *, xp: Any, like: Any) -> Any:
    """A warm start's ``covariate_coef`` of ``shape`` (``(p,)``, or ``(p, m)`` for m
    predictors per sample) in ``like``'s namespace, or None when it has none (or the fit
    has no covariates, ``p = 0``)."""
    value = (
        start.get("covariate_coef")
        if isinstance(start, Mapping)
        else getattr(start, "covariate_coef", None)
    )
    if value is None or shape[0] == 0:
        return None
    try:
        value = follow(value, like, xp=xp, dtype=like.dtype)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"warm-start covariate_coef must be an array of shape {shape} of real numbers, got "
            f"{type(value).__name__} {value!r:.40}"
        ) from exc
    if tuple(value.shape) != tuple(shape):
        raise ValueError(
            f"warm-start covariate_coef has shape {tuple(value.shape)}, expected {tuple(shape)}"
        )
    if not bool(xp.all(xp.isfinite(value))):
        raise ValueError("warm-start covariate_coef has NaN or infinite values")
    return value


def check_start_shapes(
    core: Any,
    factors: list[list[Any]],
    sample_shape: tuple[int, ...],
    ranks: tuple[int, ...],
    S: int,
) -> None:
    """Raise ``ValueError`` unless the core has shape ``ranks`` and the factors are S lists of
    K matrices ``(d_k, r_k)``."""
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
