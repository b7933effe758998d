"""Orthogonalization kernels, written once against the array API.

All take a matrix ``M`` of shape ``(m, n)`` (any namespace, any device) and
return an array of the same shape, dtype, device and namespace.  Tall and wide
inputs are both accepted.

* :func:`qr_orthonormal` -- thin QR factor with ``diag(R) >= 0`` (a retraction).
* :func:`polar_svd` -- the exact polar factor ``U V^T``.
* :func:`polar_two_columns` -- the same for a stack of ``(m, 2)`` matrices, in closed form.
* :func:`polar_eig` -- the regularized polar ``M (M^T M + eps I)^{-1/2}`` of LSRTR-M's code.
* :func:`newton_schulz` -- odd-polynomial iteration (Muon, Polar Express, classic NS).
* :func:`randomized_polar` -- sketch the range, then the polar of a small matrix.

Coefficient schedules are data: a ``(T, 3)`` table of ``(a, b, c)`` for
``p(x) = a x + b x^3 + c x^5``; steps beyond T repeat the last row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsr_arrayapi._backends import RandomState, host_rng, standard_normal
from lsr_arrayapi._namespace import array_namespace, device


@dataclass(frozen=True)
class NSSchedule:
    """A Newton-Schulz coefficient schedule and the normalization it was designed for.

    ``coefficients`` rows are ``(a, b, c)``; the input is divided by
    ``max(norm_scale * ||M||_F, eps)`` so that every singular value is at most
    ``1 / norm_scale``.  ``default_steps`` is the step count the schedule is
    usually run with.
    """

    coefficients: tuple[tuple[float, float, float], ...]
    norm_scale: float = 1.0
    default_steps: int = 5


_PE_RAW = (
    (8.28721201814563, -23.595886519098837, 17.300387312530933),
    (4.107059111542203, -2.9478499167379106, 0.5448431082926601),
    (3.9486908534822946, -2.908902115962949, 0.5518191394370137),
    (3.3184196573706015, -2.488488024314874, 0.51004894012372),
    (2.300652019954817, -1.6689039845747493, 0.4188073119525673),
    (1.891301407787398, -1.2679958271945868, 0.37680408948524835),
    (1.8750014808534479, -1.2500016453999487, 0.3750001645474248),
    (1.875, -1.25, 0.375),
)
_SAFETY = 1.01

#: Named schedules (``orthogonalization.md`` sections 1 and 3).
NS_SCHEDULES: dict[str, NSSchedule] = {
    # Keller Jordan's Muon quintic: fast slope at 0, does not converge to 1.
    "muon": NSSchedule(((3.4445, -4.7750, 2.0315),), norm_scale=1.0, default_steps=5),
    # Polar Express (Amsel et al. 2025), degree 5, l = 1e-3, with the
    # finite-precision safety factor p(x / 1.01) on all but the last polynomial.
    "polar_express": NSSchedule(
        (
            *((a / _SAFETY, b / _SAFETY**3, c / _SAFETY**5) for a, b, c in _PE_RAW[:-1]),
            _PE_RAW[-1],
        ),
        norm_scale=_SAFETY,
        default_steps=8,
    ),
    # Classic quintic Newton-Schulz (15 x - 10 x^3 + 3 x^5) / 8: converges on (0, 1].
    "classic": NSSchedule(((15 / 8, -10 / 8, 3 / 8),), norm_scale=1.0, default_steps=30),
}


def _eye(xp: Any, n: int, like: Any) -> Any:
    return xp.eye(n, dtype=like.dtype, device=device(like))


def _tall(m: Any) -> bool:
    return m.shape[-2] >= m.shape[-1]


def qr_orthonormal(matrix: Any, *, sign_fix: bool = True) -> Any:
    """Orthonormal factor of a thin QR, with ``diag(R) >= 0`` when ``sign_fix``.

    LAPACK flips column signs at will; because the LSR core is shared across
    terms such a flip changes B, so the fix is on by default.  A wide input has
    its rows orthonormalized (QR of the transpose).
    """
    xp = array_namespace(matrix)
    if not _tall(matrix):
        return xp.matrix_transpose(qr_orthonormal(xp.matrix_transpose(matrix), sign_fix=sign_fix))
    q, r = xp.linalg.qr(matrix, mode="reduced")
    if not sign_fix:
        return q
    diagonal = xp.linalg.diagonal(r)
    signs = xp.where(diagonal < 0, -xp.ones_like(diagonal), xp.ones_like(diagonal))
    return q * signs[..., None, :]


def polar_svd(matrix: Any) -> Any:
    """Exact polar factor ``U V^T`` from a thin SVD (nearest semi-orthogonal matrix)."""
    xp = array_namespace(matrix)
    u, _, vh = xp.linalg.svd(matrix, full_matrices=False)
    return xp.matmul(u, vh)


def polar_two_columns(matrix: Any) -> Any:
    """Exact polar factor of a stack of tall ``(..., m, 2)`` matrices, in closed form.

    A thin QR by Gram-Schmidt with one reorthogonalization, ``M = Q R``, then the
    polar factor of the 2 x 2 ``R = [[n_1, c], [0, n_2]]``: with ``det R >= 0``
    it is ``(R + cof R) / (sigma_1 + sigma_2)``, the rotation by
    ``atan2(c, n_1 + n_2)``.  No step squares the condition number, and every
    operation is elementwise over the stack, so thousands of tiny matrices cost
    a few array operations instead of one LAPACK call each.  Where M is rank
    deficient its polar factor is not unique; a missing direction of Q is
    completed by a coordinate vector, which gives one of the valid factors.
    """
    xp = array_namespace(matrix)
    if matrix.shape[-1] != 2 or matrix.shape[-2] < 2:
        raise ValueError(f"expected a stack of tall (m, 2) matrices, got shape {matrix.shape}")
    scale = xp.max(xp.abs(matrix), axis=(-2, -1), keepdims=True)
    # (..., 2, m), scaled so that no square overflows
    columns = xp.matrix_transpose(matrix / _nonzero(xp, scale))
    a, b = columns[..., 0, :], columns[..., 1, :]
    n1 = xp.linalg.vector_norm(a, axis=-1)
    e = xp.eye(2, matrix.shape[-2], dtype=matrix.dtype, device=device(matrix))  # e_0, e_1
    q1 = xp.where((n1 > 0)[..., None], a / _nonzero(xp, n1)[..., None], e[0, :])
    c = xp.sum(q1 * b, axis=-1)
    w = b - c[..., None] * q1
    c2 = xp.sum(q1 * w, axis=-1)  # reorthogonalize: Gram-Schmidt twice is enough
    w, c = w - c2[..., None] * q1, c + c2
    n2 = xp.linalg.vector_norm(w, axis=-1)
    # fallback for q2: e_0 or e_1, whichever is less aligned with q1 (|<q1, e>| <= 1/sqrt 2),
    # made orthogonal to q1
    spare = xp.where((xp.abs(q1[..., 0]) <= xp.abs(q1[..., 1]))[..., None], e[0, :], e[1, :])
    spare = spare - xp.sum(q1 * spare, axis=-1)[..., None] * q1
    spare = spare / xp.linalg.vector_norm(spare, axis=-1)[..., None]
    q2 = xp.where((n2 > 0)[..., None], w / _nonzero(xp, n2)[..., None], spare)
    diagonal = n1 + n2
    hypot = xp.sqrt(diagonal * diagonal + c * c)
    cos = xp.where(hypot > 0, diagonal / _nonzero(xp, hypot), xp.ones_like(hypot))[..., None]
    sin = (c / _nonzero(xp, hypot))[..., None]
    return xp.stack([cos * q1 - sin * q2, sin * q1 + cos * q2], axis=-1)


def _nonzero(xp: Any, values: Any) -> Any:
    """``values`` with zeros replaced by ones (a divisor whose zero entries are masked later)."""
    return xp.where(values > 0, values, xp.ones_like(values))


def polar_eig(matrix: Any, *, eps: float = 1e-4) -> Any:
    """Regularized polar ``M (M^T M + eps I)^{-1/2}`` via an eigendecomposition of the small Gram.

    Singular values become ``sigma / sqrt(sigma^2 + eps)``; singular vectors are
    those of M.  This is the orthogonalizer of the LSRTR-M authors' code.
    """
    xp = array_namespace(matrix)
    if not _tall(matrix):
        return xp.matrix_transpose(polar_eig(xp.matrix_transpose(matrix), eps=eps))
    gram = xp.matmul(xp.matrix_transpose(matrix), matrix)
    evals, evecs = xp.linalg.eigh(gram + eps * _eye(xp, gram.shape[-1], gram))
    inv_sqrt = xp.matmul(evecs * (1.0 / xp.sqrt(evals))[..., None, :], xp.matrix_transpose(evecs))
    return xp.matmul(matrix, inv_sqrt)


def ns_coefficient_table(
    coefficients: str | Sequence[Sequence[float]], steps: int | None = None
) -> tuple[tuple[tuple[float, float, float], ...], float]:
    """Resolve a schedule name or table to ``(rows, norm_scale)`` with exactly ``steps`` rows."""
    if isinstance(coefficients, str):
        try:
            schedule = NS_SCHEDULES[coefficients]
        except KeyError:
            raise ValueError(
                f"unknown Newton-Schulz schedule {coefficients!r}; known: {sorted(NS_SCHEDULES)}"
            ) from None
    else:
        message = "ns_coefficients must be a name or a non-empty (T, 3) table of finite numbers"
        try:
            rows = tuple(tuple(float(v) for v in row) for row in coefficients)
        except (TypeError, ValueError):
            raise ValueError(f"{message}, got {coefficients!r}") from None
        if not rows or any(len(row) != 3 or not all(map(math.isfinite, row)) for row in rows):
            raise ValueError(f"{message}, got {coefficients!r}")
        schedule = NSSchedule(rows, default_steps=len(rows))  # type: ignore[arg-type]
    steps = schedule.default_steps if steps is None else int(steps)
    if steps < 1:
        raise ValueError(f"ns_steps must be >= 1, got {steps}")
    table = schedule.coefficients
    rows_out = tuple(table[min(i, len(table) - 1)] for i in range(steps))
    return rows_out, schedule.norm_scale


def newton_schulz(
    matrix: Any,
    coefficients: str | Sequence[Sequence[float]] = "polar_express",
    steps: int | None = None,
    *,
    eps: float | None = None,
) -> Any:
    """Approximate polar factor by an odd quintic iteration; matrix products only, no SVD.

    The input is Frobenius-normalized with a clamp (``max(s ||M||_F, eps)``), so
    the map is exactly scale-invariant for ``||M||_F > eps``, and zero maps to
    zero.  The default ``eps`` is the dtype's smallest normal number: only a zero
    input is clamped, so a rule's step does not depend on the scale of its
    gradient (that is, of the data).  The iteration runs on the smaller Gram side (a tall input is
    transposed), so its cost is ``O(m n min(m, n))`` per step.
    """
    xp = array_namespace(matrix)
    if _tall(matrix) and matrix.shape[-2] != matrix.shape[-1]:
        return xp.matrix_transpose(
            newton_schulz(xp.matrix_transpose(matrix), coefficients, steps, eps=eps)
        )
    rows, norm_scale = ns_coefficient_table(coefficients, steps)
    norm = xp.linalg.matrix_norm(matrix, ord="fro", keepdims=True)
    if eps is None:
        eps = float(xp.finfo(matrix.dtype).smallest_normal)
    x = matrix / xp.clip(norm_scale * norm, min=eps)
    for a, b, c in rows:
        gram = xp.matmul(x, xp.matrix_transpose(x))
        poly = b * gram + c * xp.matmul(gram, gram)
        x = a * x + xp.matmul(poly, x)
    return x


def randomized_polar(
    matrix: Any,
    rank: int,
    *,
    oversample: int = 5,
    power_iters: int = 0,
    random_state: RandomState = None,
    rtol: float | None = None,
) -> Any:
    """Rank-``rank`` randomized polar factor: sketch the range, polar of the small projection.

    Draw ``Omega`` (``n x l``, ``l = min(rank + oversample, min(m, n))``) from the
    host generator, ``Y = M Omega`` (plus ``power_iters`` steps ``Y <- M M^T Y``
    with re-orthonormalization), ``Q = qf(Y)``, ``C = Q^T M`` (``l x n``); then
    return ``Q U_c V_c^T`` with the SVD of C truncated to its top ``rank``
    singular values above ``rtol * sigma_1``.  Truncation matters: an exact
    polar of an oversampled sketch would turn numerically-zero directions into
    unit singular values.  Exact (``= U_r V_r^T``) on inputs of rank <= ``rank``.
    Cost ``O(m n l)``.
    """
    xp = array_namespace(matrix)
    m, n = int(matrix.shape[-2]), int(matrix.shape[-1])
    if rank < 1 or rank > min(m, n):
        raise ValueError(f"rank must be in [1, {min(m, n)}] for a {m}x{n} matrix, got {rank}")
    if oversample < 0 or power_iters < 0:
        raise ValueError("oversample and power_iters must be >= 0")
    sketch_size = min(rank + oversample, min(m, n))
    omega = standard_normal(host_rng(random_state), (n, sketch_size), xp=xp, like=matrix)
    basis = qr_orthonormal(xp.matmul(matrix, omega))
    for _ in range(power_iters):
        back = qr_orthonormal(xp.matmul(xp.matrix_transpose(matrix), basis))
        basis = qr_orthonormal(xp.matmul(matrix, back))
    small = xp.matmul(xp.matrix_transpose(basis), matrix)
    u, s, vh = xp.linalg.svd(small, full_matrices=False)
    if rtol is None:
        rtol = 100 * float(xp.finfo(matrix.dtype).eps) * max(m, n)
    keep = xp.astype(
        (s > rtol * s[..., :1]) & (xp.arange(s.shape[-1], device=device(s)) < rank), s.dtype
    )
    return xp.matmul(xp.matmul(basis, u * keep[..., None, :]), vh)


def project_tangent(W: Any, G: Any) -> Any:
    """Project ``G`` onto the tangent space of the Stiefel manifold at ``W`` (``W^T W = I``).

    ``G - W sym(W^T G)``: the Riemannian gradient for the embedded metric.  A QR
    retraction of ``W - lr G`` with the raw Euclidean ``G`` is not always a descent
    step (its first-order change is ``sum_{i>j} A_ij (A_ij - A_ji)``, ``A = W^T G``,
    which can be negative); with the projected gradient it is.
    """
    xp = array_namespace(W, G)
    inner = xp.matmul(xp.matrix_transpose(W), G)
    return G - 0.5 * xp.matmul(W, inner + xp.matrix_transpose(inner))
