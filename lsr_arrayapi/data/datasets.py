"""Synthetic LSR problems as in the LSRTR-M paper and its authors' code.

Everything is drawn on the host from one NumPy generator and then moved to the
requested namespace and device, so a seed gives the same problem on every
backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lsr_arrayapi._backends import RandomState, host_rng
from lsr_arrayapi.exceptions import InvalidParameterError
from lsr_arrayapi.parameters import check_parameters, check_sizes
from lsr_arrayapi.plugins.instances import make_family

#: The paper's synthetic shape: m = (10, 15, 20), r = (2, 2, 2), S = 2.
PAPER_SHAPE = (10, 15, 20)
PAPER_RANKS = (2, 2, 2)
PAPER_SEPARATION_RANK = 2


@dataclass
class LSRProblem:
    """A synthetic problem: samples ``X`` (n, *d), responses ``y`` (n,), the truth."""

    X: Any
    y: Any
    coef: Any
    core: Any
    factors: list[list[Any]]
    family: str


def _orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((rows, rows)))
    return (q * np.sign(np.diag(r)))[:, :cols]


def true_lsr(
    sample_shape: Sequence[int],
    ranks: Sequence[int],
    separation_rank: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[list[np.ndarray]], np.ndarray]:
    """Core ``N(0,1)/sqrt(prod r)``, factors the first r_k columns of a sign-fixed QR of a Gaussian."""
    core = rng.standard_normal(tuple(ranks)) / np.sqrt(np.prod(ranks))
    factors = [
        [_orthonormal(rng, d, r) for d, r in zip(sample_shape, ranks, strict=True)]
        for _ in range(separation_rank)
    ]
    coef = np.zeros(tuple(sample_shape))
    for term in factors:
        part = core
        for factor in term:
            part = np.tensordot(part, factor, axes=([0], [1]))
        coef = coef + part
    return core, factors, coef


def make_lsr_problem(
    n_samples: int,
    *,
    sample_shape: Sequence[int] = PAPER_SHAPE,
    ranks: int | Sequence[int] = PAPER_RANKS,
    separation_rank: int = PAPER_SEPARATION_RANK,
    family: str | Any = "gaussian",
    noise: float = 0.1,
    random_state: RandomState = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> LSRProblem:
    """Draw truth, X with i.i.d. N(0,1) entries and y from ``family``.

    ``family`` (a registered name or a family object) draws y with its
    ``sample`` method: gaussian ``y = eta + noise * N(0,1)``, logistic
    ``y ~ Bernoulli(sigmoid(eta))``, poisson ``y ~ Poisson(exp(eta))``.  ``xp`` (default NumPy), ``dtype``
    (default float64) and ``device`` place the arrays.  ``ranks`` (an int: the same
    in every mode) and ``separation_rank`` are checked as ``fit_lsr`` checks them.
    """
    n_samples, sample_shape = _checked_draw(
        "make_lsr_problem", n_samples, sample_shape, random_state, noise=noise
    )
    family_obj = make_family(family)
    if hasattr(family_obj, "outputs"):  # several linear predictors per sample
        raise InvalidParameterError(
            f"make_lsr_problem draws one linear predictor per sample; for the "
            f"{family_obj.name!r} family use make_multiclass_problem"
        )
    rng = host_rng(random_state)
    ranks, separation_rank = check_sizes(ranks, sample_shape, separation_rank)
    core, factors, coef = true_lsr(sample_shape, ranks, separation_rank, rng)
    X = rng.standard_normal((n_samples, *sample_shape))
    eta = X.reshape(n_samples, -1) @ coef.reshape(-1)
    try:
        y = np.asarray(family_obj.sample(eta, rng, noise), dtype=float)
    except (NotImplementedError, AttributeError):
        raise ValueError(
            f"family {family_obj.name!r} has no sample(eta, rng, noise) method for synthetic data"
        ) from None
    return _placed(X, y, coef, core, factors, family_obj.name, xp=xp, dtype=dtype, device=device)


def make_multiclass_problem(
    n_samples: int,
    n_classes: int = 3,
    *,
    sample_shape: Sequence[int] = PAPER_SHAPE,
    ranks: int | Sequence[int] = PAPER_RANKS,
    separation_rank: int = 1,
    scale: float = 1.0,
    random_state: RandomState = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> LSRProblem:
    """A multinomial problem: X with N(0, 1) entries, class codes y in {0, ..., C - 1}.

    The truth is the model :class:`~lsr_arrayapi.LSRClassifier` fits for
    C >= 3: the C - 1 log-odds tensors against class 0, stacked along a
    leading class mode, form an LSR tensor of shape ``(C - 1, *sample_shape)``
    with ranks ``(C - 1, *ranks)`` (``coef``, ``core`` and ``factors`` hold
    it, the class mode first), times ``scale``.
    """
    if not (isinstance(n_classes, int) and n_classes >= 3):
        raise ValueError(f"n_classes must be an int >= 3, got {n_classes!r}")
    n_samples, sample_shape = _checked_draw(
        "make_multiclass_problem", n_samples, sample_shape, random_state
    )
    rng = host_rng(random_state)
    ranks, separation_rank = check_sizes(ranks, sample_shape, separation_rank)
    m = n_classes - 1
    core, factors, coef = true_lsr((m, *sample_shape), (m, *ranks), separation_rank, rng)
    core, coef = scale * core, scale * coef
    X = rng.standard_normal((n_samples, *sample_shape))
    eta = X.reshape(n_samples, -1) @ coef.reshape(m, -1).T
    y = np.asarray(make_family("multinomial").sample(eta, rng, 0.0), dtype=float)
    return _placed(X, y, coef, core, factors, "multinomial", xp=xp, dtype=dtype, device=device)


def _checked_draw(
    caller: str, n_samples: Any, sample_shape: Any, random_state: Any, **extra: Any
) -> tuple[int, tuple[int, ...]]:
    """``(n_samples, sample_shape)`` as ints, checked (and ``extra`` parameters with them);
    a tensor sample needs K >= 2 modes."""
    checked = check_parameters(
        caller, n_samples=n_samples, sample_shape=sample_shape, random_state=random_state, **extra
    )
    shape = checked["sample_shape"]
    if len(shape) < 2:
        raise InvalidParameterError(
            f"{caller}: sample_shape must have at least 2 modes (d_1, ..., d_K), got {shape}"
        )
    return checked["n_samples"], shape


def _placed(
    X: np.ndarray,
    y: np.ndarray,
    coef: np.ndarray,
    core: np.ndarray,
    factors: list[list[np.ndarray]],
    family: str,
    *,
    xp: Any,
    dtype: Any,
    device: Any,
) -> LSRProblem:
    """The host arrays of a problem moved to ``xp`` (default NumPy), ``dtype`` (float64), ``device``."""
    if xp is None:
        import array_api_compat.numpy as xp
    dtype = xp.float64 if dtype is None else dtype
    if dtype not in (xp.float32, xp.float64):
        raise InvalidParameterError(
            f"dtype must be float32 or float64 (what fits use), got {dtype}"
        )

    def put(a: np.ndarray) -> Any:
        return xp.asarray(a, dtype=dtype, device=device)

    factors_placed = [[put(f) for f in term] for term in factors]
    return LSRProblem(put(X), put(y), put(coef), put(core), factors_placed, family)


def split_test(problem: LSRProblem, n_test: int) -> tuple[LSRProblem, Any, Any]:
    """Hold out the last ``n_test`` samples: ``(train problem, X_test, y_test)``.

    The samples are i.i.d., so drawing ``n_train + n_test`` and splitting is
    the same as drawing a separate test set from the same truth.
    """
    n = int(problem.X.shape[0])
    if not 0 < n_test < n:
        raise ValueError(f"n_test must be in [1, {n - 1}], got {n_test}")
    cut = n - n_test
    train = LSRProblem(
        X=problem.X[:cut, ...],
        y=problem.y[:cut],
        coef=problem.coef,
        core=problem.core,
        factors=problem.factors,
        family=problem.family,
    )
    return train, problem.X[cut:, ...], problem.y[cut:]


def __getattr__(name: str) -> Any:
    """Names that moved to :mod:`lsr_arrayapi.reproduce` (deprecated here)."""
    from lsr_arrayapi._moved import moved_attribute

    return moved_attribute(__name__, name)
