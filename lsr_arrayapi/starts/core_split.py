"""Split a small Tucker core into the LSR form, many random restarts at once.

The cold start's second stage (:mod:`lsr_arrayapi.starts.lift`) fits

    C  ~  sum_s  G x_1 Q_1^s ... x_K Q_K^s,     Q_k^s (q_k x r_k) orthonormal,

to the Tucker core C (shape ``q``) by least squares.  The problem is tiny but
has spurious local minima, so the remedy is many restarts; a Python loop per
restart is dominated by overhead, so here every array carries a leading batch
axis of R restarts and one alternating sweep runs all of them together:

* factor block ``Q_k^s``: with the others fixed the loss is
  ``const - 2 <C - sum_{t != s} term_t, G x_{j != k} Q_j^s x_k Q>`` over
  orthonormal Q, solved exactly by the polar factor of
  ``(C - other terms)_(k) T_(k)^T`` (orthogonal Procrustes) with
  ``T = G x_{j != k} Q_j^s``;
* core G: linear least squares with the design ``sum_s (x)_k Q_k^s``
  (``prod q x prod r``, small), one batched solve.

Every step is exact, so the residual never increases.  Shapes: ``core``
``(R, r_1, ..., r_K)``, ``factors[s][k]`` ``(R, q_k, r_k)``.
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._backends import Generator
from lsr_arrayapi._namespace import device
from lsr_arrayapi.linalg.orthogonalize import polar_svd, polar_two_columns
from lsr_arrayapi.linalg.tensor import batched_lsr_term, batched_mode_product, batched_unfold
from lsr_arrayapi.starts.simple import random_orthonormal

__all__ = ["split_core"]

#: Every _CHECK_EVERY sweeps the two lowest residuals are compared with those of
#: the previous check; when neither fell by more than _SETTLED of itself the sweeps
#: stop (chosen with ``python -m lsr_arrayapi.bench coldstart``: the S = 3 setting's
#: best residuals, at the least time).
_CHECK_EVERY, _SETTLED = 10, 4e-5


def split_core(
    target: Any,
    ranks: tuple[int, ...],
    S: int,
    restarts: int,
    sweeps: int,
    rng: Generator,
    *,
    xp: Any,
) -> tuple[Any, list[list[Any]], Any]:
    """Fit the LSR form to ``target`` (shape q) from ``restarts`` random starts.

    Runs at most ``sweeps`` sweeps (fewer once the best two have settled).  Returns
    ``(core, factors, residuals)``: batched as in the module docstring, sorted
    by the relative squared residual ``residuals`` ``(R,)`` (best first).
    """
    shape = tuple(target.shape)
    factors = [
        [
            random_orthonormal(rng, q, r, xp=xp, like=target, batch=(restarts,))
            for q, r in zip(shape, ranks, strict=True)
        ]
        for _ in range(S)
    ]
    batch_target = xp.broadcast_to(target, (restarts, *shape))
    core = _solve_core(batch_target, factors, ranks, xp)
    total = float(xp.sum(target * target))
    previous = _residuals(batch_target, core, factors, xp)
    # rank 2, the common case, in closed form: about half the batched SVD's time
    polars = [polar_two_columns if r == 2 else polar_svd for r in ranks]
    for sweep in range(1, sweeps + 1):
        terms = [batched_lsr_term(core, term, xp) for term in factors]
        for s in range(S):
            others = batch_target - (sum(terms) - terms[s])
            prefix = core  # G x_{j < k} Q_j^s, with the factors updated this sweep
            for k, polar in enumerate(polars):
                partial = prefix
                for j in range(k + 1, len(shape)):
                    partial = batched_mode_product(partial, factors[s][j], j, xp)
                cross = xp.matmul(
                    batched_unfold(others, k, xp),
                    xp.matrix_transpose(batched_unfold(partial, k, xp)),
                )  # (R, q_k, r_k)
                factors[s][k] = polar(cross)
                prefix = batched_mode_product(prefix, factors[s][k], k, xp)
            terms[s] = prefix
        core = _solve_core(batch_target, factors, ranks, xp)
        if sweep % _CHECK_EVERY == 0:  # stop once the two best restarts have settled
            current = _residuals(batch_target, core, factors, xp)
            best_now, best_before = xp.sort(current)[:2], xp.sort(previous)[:2]
            moved = float(xp.max(best_before - best_now))
            if moved <= _SETTLED * float(xp.max(best_now)) + 1e-15 * total:
                break
            previous = current
    norms = _residuals(batch_target, core, factors, xp) / float(xp.sum(target * target))
    order = xp.argsort(norms)
    core = xp.take(core, order, axis=0)
    factors = [[xp.take(f, order, axis=0) for f in term] for term in factors]
    return core, factors, xp.take(norms, order, axis=0)


def _residuals(target: Any, core: Any, factors: list[list[Any]], xp: Any) -> Any:
    """Squared residual of every restart, ``(R,)``."""
    residual = target - sum(batched_lsr_term(core, term, xp) for term in factors)
    return xp.sum(xp.reshape(residual * residual, (target.shape[0], -1)), axis=1)


def _solve_core(target: Any, factors: list[list[Any]], ranks: tuple[int, ...], xp: Any) -> Any:
    """Least-squares core for fixed factors: ``(R, r)``.

    Normal equations without the ``prod q x prod r`` design: its Gram matrix is
    ``sum_{s,t} (x)_k Q_k^sT Q_k^t`` and its transpose applied to C is
    ``sum_s C x_k Q_k^sT``.
    """
    R = target.shape[0]
    size = math.prod(ranks)
    eye = xp.eye(size, dtype=target.dtype, device=device(target))
    # the factors are orthonormal: the s = t terms are S identities, and the (t, s)
    # term is the transpose of the (s, t) one, so only the pairs s < t are formed
    normal = xp.broadcast_to(len(factors) * eye, (R, size, size))
    for s, left in enumerate(factors):
        for right in factors[s + 1 :]:
            block = _kron_gram(left, right, xp)
            normal = normal + block + xp.matrix_transpose(block)
    rhs = None
    for term in factors:
        part = target
        for k, factor in enumerate(term):
            part = batched_mode_product(part, xp.matrix_transpose(factor), k, xp)
        rhs = part if rhs is None else rhs + part
    scale = xp.max(xp.abs(xp.linalg.diagonal(normal)), axis=-1)
    damping = max(1e-12, 16 * float(xp.finfo(target.dtype).eps))  # above float32's rounding
    normal = normal + damping * scale[:, None, None] * eye
    solution = xp.linalg.solve(normal, xp.reshape(rhs, (R, -1, 1)))
    return xp.reshape(solution, (R, *ranks))


def _kron_gram(left: list[Any], right: list[Any], xp: Any) -> Any:
    """``(x)_k Q_k^sT Q_k^t``, row-major and batched: ``(R, prod r, prod r)``."""
    block = None
    for a, b in zip(left, right, strict=True):
        gram = xp.matmul(xp.matrix_transpose(a), b)  # (R, r_k, r_k)
        if block is None:
            block = gram
        else:
            block = block[:, :, None, :, None] * gram[:, None, :, None, :]
            block = xp.reshape(block, (block.shape[0], block.shape[1] * block.shape[2], -1))
    return block
