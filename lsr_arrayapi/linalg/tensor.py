"""LSR algebra: mode products, the coefficient tensor and its block gradients.

Shapes: a sample (and B, and the residual tensor R) is ``d = (d_1, ..., d_K)``;
the core G is ``r = (r_1, ..., r_K)``; factor ``B_k^s`` is ``(d_k, r_k)``;
``factors`` is a list of S lists of K factor matrices.

Every function costs O(S * D * max r) for D = prod(d) and never touches the
samples: passes over X live in :mod:`lsr_arrayapi.data.design`.  No Kronecker
product is ever formed.  Mode products use a cyclic ``tensordot`` on axis 0:
contracting axis 0 appends the new axis at the end, so after K contractions the
modes are back in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsr_arrayapi._namespace import array_namespace

Factors = Sequence[Sequence[Any]]


def multi_mode_product(
    tensor: Any, matrices: Sequence[Any | None], *, transpose: bool = False
) -> Any:
    """Return ``tensor x_1 A_1 x_2 A_2 ... x_K A_K``.

    ``A_k`` has shape ``(p_k, q_k)`` and contracts its columns with mode k of
    ``tensor`` (size ``q_k``); with ``transpose=True`` it contracts its rows
    instead (``x_k A_k^T``).  A ``None`` entry leaves mode k as it is.
    Each step is one matrix product on the unfolding (no ``tensordot``
    overhead, which dominates on small cores).
    """
    xp = array_namespace(tensor)
    for matrix in matrices:
        lead, rest = tensor.shape[0], tensor.shape[1:]
        unfolded = xp.matrix_transpose(xp.reshape(tensor, (lead, -1)))  # (prod rest, lead)
        if matrix is None:
            tensor = xp.reshape(unfolded, (*rest, lead))
        else:
            product = xp.matmul(unfolded, matrix if transpose else xp.matrix_transpose(matrix))
            tensor = xp.reshape(product, (*rest, product.shape[-1]))
    return tensor


def lsr_term(core: Any, term_factors: Sequence[Any]) -> Any:
    """One separation term ``G x_1 B_1 ... x_K B_K``, shape ``d``."""
    return multi_mode_product(core, term_factors)


def lsr_tensor(core: Any, factors: Factors) -> Any:
    """The coefficient tensor ``B = sum_s G x_1 B_1^s ... x_K B_K^s``, shape ``d``."""
    terms = [lsr_term(core, term) for term in factors]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def core_gradient(residual: Any, factors: Factors) -> Any:
    """Gradient with respect to the shared core: ``sum_s R x_1 B_1^sT ... x_K B_K^sT``.

    ``residual`` is ``dL/dB`` (shape ``d``); the result has shape ``r``.
    """
    parts = [multi_mode_product(residual, term, transpose=True) for term in factors]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def factor_gradient(residual: Any, core: Any, term_factors: Sequence[Any], k: int) -> Any:
    """Gradient with respect to ``B_k^s``: ``<R x_{j != k} B_j^T, G>`` over all modes but k.

    ``residual`` is ``dL/dB`` (shape ``d``), ``term_factors`` the K factors of
    term s.  Returns a ``(d_k, r_k)`` matrix.
    """
    xp = array_namespace(residual, core)
    keep = [None if j == k else factor for j, factor in enumerate(term_factors)]
    partial = multi_mode_product(residual, keep, transpose=True)
    return xp.matmul(unfold(partial, k, xp), xp.matrix_transpose(unfold(core, k, xp)))


def unfold(tensor: Any, k: int, xp: Any) -> Any:
    """Mode-k unfolding ``(n_k, prod of the other sizes)`` (other modes in increasing order)."""
    return batched_unfold(tensor[None, ...], k, xp)[0, ...]


# -- batched: a leading axis of R independent tensors (the cold start's core split) --------


def batched_unfold(tensor: Any, k: int, xp: Any) -> Any:
    """Mode-k unfoldings of a stack ``(R, n_1, ..., n_K)``: ``(R, n_k, prod of the others)``."""
    moved = xp.moveaxis(tensor, k + 1, 1)
    return xp.reshape(moved, (moved.shape[0], moved.shape[1], -1))


def batched_mode_product(tensor: Any, matrix: Any, k: int, xp: Any) -> Any:
    """``tensor x_k matrix`` for a stack: tensor ``(R, ..., a_k, ...)``, matrix ``(R, p, a_k)``."""
    moved = xp.moveaxis(tensor, k + 1, -1)
    shape = moved.shape
    flat = xp.reshape(moved, (shape[0], -1, shape[-1]))
    product = xp.matmul(flat, xp.matrix_transpose(matrix))
    return xp.moveaxis(xp.reshape(product, (*shape[:-1], matrix.shape[1])), -1, k + 1)


def batched_lsr_term(core: Any, term_factors: Sequence[Any], xp: Any) -> Any:
    """One term ``G x_1 Q_1 ... x_K Q_K`` for a stack: core ``(R, r)``, factors ``(R, q_k, r_k)``."""
    for k, factor in enumerate(term_factors):
        core = batched_mode_product(core, factor, k, xp)
    return core
