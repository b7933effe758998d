"""Standard errors of the coefficient tensor from the Fisher information.

The LSR model is a manifold of dimension ``p`` (:func:`model_dimension`, a few
hundred): S sets of orthonormal factors, the core, the intercept.  Its
parameters move B through the Jacobian ``J`` ``(D, q)`` whose columns are the
tangent directions (each factor's Euclidean unit directions projected on the
Stiefel tangent space, the core's unit directions, the intercept); they span
the tangent space redundantly, and the gauge of the shared core (a rotation
of every term's factors undone by the core) adds null directions.  The
Fisher information on these coordinates,

    I = n (X J)^T diag(w_i h_i) (X J) / phi + n alpha J^T J / phi,

(``h_i`` the family's curvature at the fit, ``w_i`` the sample weights
summing to 1, ``phi`` the dispersion: Pearson's estimate with ``n - p``
degrees of freedom for a family with a dispersion parameter -- the residual
variance for a Gaussian -- and 1 otherwise) is ``(q, q)``, of
rank ``p``.  The delta method gives ``Var(B_j) = (J I^+ J^T)_jj``, with
``I^+`` the pseudo-inverse on its ``p`` largest eigenvalues (after a
diagonal scaling that makes the blocks comparable); a ``D x D`` matrix is
never formed.  The cost is one product of X with the ``q`` directions
(about ``q`` passes' arithmetic in one GEMM) and an eigendecomposition of
size ``q``.  The expected information is used (Fisher scoring's weights), as
GLM software reports; the intervals are Wald intervals ``B_j +- z se_j``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import array_api_extra as xpx

from lsr_arrayapi._namespace import array_namespace, device
from lsr_arrayapi.data.design import Design, InMemoryDesign
from lsr_arrayapi.linalg.tensor import (
    Factors,
    batched_lsr_term,
    factor_gradient,
    lsr_tensor,
    multi_mode_product,
)
from lsr_arrayapi.objective import Objective
from lsr_arrayapi.starts.lack_of_fit import model_dimension


def stiefel_tangents(U: Any) -> Any:
    """The unit directions of ``U`` ``(d, r)`` projected on its Stiefel tangent space,
    ``Z - U sym(U^T Z)``: ``(d r, d, r)``, spanning the tangent space redundantly."""
    xp = array_namespace(U)
    d, r = int(U.shape[0]), int(U.shape[1])
    units = xp.reshape(xp.eye(d * r, dtype=U.dtype, device=device(U)), (d * r, d, r))
    inner = xp.matmul(xp.matrix_transpose(U)[None, ...], units)  # (d r, r, r)
    return units - xp.matmul(U[None, ...], 0.5 * (inner + xp.matrix_transpose(inner)))


def tangent_directions(core: Any, factors: Factors) -> Any:
    """The model's tangent directions as coefficient tensors, ``(q, D)``.

    Rows: for each term s and mode k, the ``d_k r_k`` directions of
    :func:`stiefel_tangents` of ``B_k^s`` pushed through B; then the
    ``prod r`` unit directions of the core.
    """
    xp = array_namespace(core)
    D = math.prod(int(f.shape[0]) for f in factors[0])
    rows = []
    for term in factors:
        for k, U in enumerate(term):
            tangent = stiefel_tangents(U)
            m = int(tangent.shape[0])
            moved = [tangent if j == k else _repeat(f, m, xp) for j, f in enumerate(term)]
            rows.append(xp.reshape(batched_lsr_term(_repeat(core, m, xp), moved, xp), (m, D)))
    m = math.prod(int(r) for r in core.shape)
    units = xp.reshape(xp.eye(m, dtype=core.dtype, device=device(core)), (m, *core.shape))
    core_rows = None
    for term in factors:
        part = batched_lsr_term(units, [_repeat(f, m, xp) for f in term], xp)
        core_rows = part if core_rows is None else core_rows + part
    rows.append(xp.reshape(core_rows, (m, D)))
    return xp.concat(rows, axis=0)


def curvature_term(residual: Any, core: Any, factors: Factors) -> Any:
    """Second derivatives of ``<R, B(theta)>`` in the coordinates of
    :func:`tangent_directions`, ``(q, q)``: the observed information's part that
    the manifold's curvature adds to the Gauss-Newton part.

    ``R`` (shape d) is the objective's gradient with respect to B.  B is linear
    in each block, so the blocks are: two modes of one term (``<R, G x_k xi x_j
    zeta ...>``), a mode and the core, and one factor with itself through the
    retraction's second derivative ``-U sym(xi^T zeta)`` (the same at a
    critical point for every retraction).
    """
    xp = array_namespace(core)
    tangents = [
        [xp.reshape(stiefel_tangents(U), (U.shape[0] * U.shape[1], -1)) for U in term]
        for term in factors
    ]
    sizes = [int(t.shape[0]) for term in tangents for t in term] + [math.prod(core.shape)]
    blocks: dict[tuple[int, int], Any] = {}
    K = len(core.shape)
    for s, term in enumerate(factors):
        for k in range(K):
            a = s * K + k
            Tk = tangents[s][k]
            Phi = factor_gradient(residual, core, term, k)  # (d_k, r_k)
            Psi = xp.matmul(xp.matrix_transpose(term[k]), Phi)
            Psi = 0.5 * (Psi + xp.matrix_transpose(Psi))
            eye = xp.eye(int(term[k].shape[0]), dtype=core.dtype, device=device(core))
            blocks[(a, a)] = -_sandwich(Tk, xpx.kron(eye, Psi, xp=xp), Tk, xp)
            for j in range(k + 1, K):
                pair = _two_mode_hessian(residual, core, term, k, j, xp)
                blocks[(a, s * K + j)] = _sandwich(Tk, pair, tangents[s][j], xp)
            core_block = len(sizes) - 1
            mixed = _mode_core_hessian(residual, core, term, k, xp)
            part = xp.matmul(Tk, mixed)
            previous = blocks.get((a, core_block))
            blocks[(a, core_block)] = part if previous is None else previous + part
    return _assemble(blocks, sizes, xp, core.dtype, device(core))


def _sandwich(left: Any, middle: Any, right: Any, xp: Any) -> Any:
    return xp.matmul(xp.matmul(left, middle), xp.matrix_transpose(right))


def _two_mode_hessian(
    residual: Any, core: Any, term: Sequence[Any], k: int, j: int, xp: Any
) -> Any:
    """``<R, G x_k E_ia x_j E_i'a' x_others B>`` as ``(d_k r_k, d_j r_j)``."""
    others = [None if m in (k, j) else f for m, f in enumerate(term)]
    partial = (
        multi_mode_product(residual, others, transpose=True)
        if any(f is not None for f in others)
        else residual
    )  # (.. d_k .. d_j .., r_others)
    dk, dj = int(term[k].shape[0]), int(term[j].shape[0])
    rk, rj = int(term[k].shape[1]), int(term[j].shape[1])
    Q = xp.reshape(xp.moveaxis(partial, (k, j), (0, 1)), (dk, dj, -1))
    G = xp.reshape(xp.moveaxis(core, (k, j), (0, 1)), (rk, rj, -1))
    M = xp.tensordot(Q, G, axes=([2], [2]))  # (d_k, d_j, r_k, r_j)
    return xp.reshape(xp.permute_dims(M, (0, 2, 1, 3)), (dk * rk, dj * rj))


def _mode_core_hessian(residual: Any, core: Any, term: Sequence[Any], k: int, xp: Any) -> Any:
    """``<R, E_c x_k E_ia x_others B>`` as ``(d_k r_k, prod r)`` (core index row-major)."""
    others = [None if m == k else f for m, f in enumerate(term)]
    partial = multi_mode_product(residual, others, transpose=True)  # (r.. d_k ..r)
    dk, rk = int(term[k].shape[0]), int(term[k].shape[1])
    Qi = xp.moveaxis(partial, k, 0)  # (d_k, r_others...)
    rest = tuple(int(v) for v in Qi.shape[1:])
    eye = xp.eye(rk, dtype=core.dtype, device=device(core))
    spread = xp.reshape(Qi, (dk, 1, 1, *rest)) * xp.reshape(eye, (1, rk, rk, *([1] * len(rest))))
    spread = xp.moveaxis(spread, 2, 2 + k)  # (d_k, r_k, c_1, ..., c_K)
    return xp.reshape(spread, (dk * rk, -1))


def _assemble(
    blocks: dict[tuple[int, int], Any], sizes: Sequence[int], xp: Any, dtype: Any, where: Any
) -> Any:
    """A symmetric ``(sum sizes, sum sizes)`` matrix from its upper blocks."""
    rows = []
    for a, height in enumerate(sizes):
        row = []
        for b, width in enumerate(sizes):
            if (a, b) in blocks:
                row.append(blocks[(a, b)])
            elif (b, a) in blocks:
                row.append(xp.matrix_transpose(blocks[(b, a)]))
            else:
                row.append(xp.zeros((height, width), dtype=dtype, device=where))
        rows.append(xp.concat(row, axis=1))
    return xp.concat(rows, axis=0)


def _repeat(x: Any, count: int, xp: Any) -> Any:
    """``x`` stacked ``count`` times along a new leading axis (a broadcast view)."""
    return xp.broadcast_to(x[None, ...], (count, *x.shape))


def _forward_many(design: Design, directions: Any) -> Any:
    """``X_flat @ directions^T`` ``(n, q)``: one GEMM in memory, else one pass per row.

    For m stacked tensors (:class:`~lsr_arrayapi.data.multi_output.MultiOutputDesign`)
    each direction is ``(m, d)`` and the result ``(n, m, q)``.
    """
    xp = array_namespace(directions)
    if isinstance(design, InMemoryDesign):
        design.passes += 1
        return xp.matmul(design.flat, xp.matrix_transpose(directions))
    inner = getattr(design, "inner", None)
    if isinstance(inner, InMemoryDesign):
        q, m = int(directions.shape[0]), int(getattr(design, "outputs", 1))
        stacked = xp.reshape(directions, (q * m, -1))
        inner.passes += 1
        product = xp.reshape(xp.matmul(inner.flat, xp.matrix_transpose(stacked)), (-1, q, m))
        return xp.permute_dims(product, (0, 2, 1))
    shape = design.sample_shape
    columns = [
        design.forward(xp.reshape(directions[i, ...], shape)) for i in range(directions.shape[0])
    ]
    return xp.stack(columns, axis=-1)


def fisher_stderr(
    design: Design,
    y: Any,
    *,
    core: Any,
    factors: Factors,
    intercept: float,
    family: Any,
    fit_intercept: bool,
    alpha: float = 0.0,
    weights: Any = None,
    covariates: Any = None,
    covariate_coef: Any = None,
    eta: Any = None,
    observed: bool = True,
) -> tuple[Any, int]:
    """Standard errors of every entry of B, shape ``d``, and the residual degrees of freedom
    (the number of samples with positive weight less the model's dimension).

    ``y`` ``(n,)`` are the family's responses, ``weights`` the sample weights
    normalized to sum 1 (None: equal; the information is that of the samples with
    positive weight, the weights relative among them), ``covariates`` Z ``(n, p)`` and
    ``covariate_coef`` gamma ``(p,)`` the fit's linear part beside the intercept,
    ``eta`` the fit's linear predictor when the caller has it (else one pass computes it),
    ``alpha`` the ridge penalty of the fit
    (with ``alpha > 0`` the errors are those of the penalized objective's
    curvature).  Entries the data do not determine get ``inf``.
    """
    xp = array_namespace(core)
    n = design.n_samples
    shape = design.sample_shape
    ranks = tuple(int(r) for r in core.shape)
    outputs = int(getattr(design, "outputs", 1))  # m predictors per sample
    linear = [] if covariates is None else [_covariate_columns(covariates, outputs)]
    if fit_intercept:
        linear.insert(0, _intercept_columns(n, outputs, like=core))
    extra = sum(int(block.shape[-1]) for block in linear)
    p = model_dimension(shape, ranks, len(factors)) + extra
    directions = tangent_directions(core, factors)  # (q, D)
    if eta is None:  # the fit's linear predictor, unless the caller has it: a pass over X
        eta = design.forward(lsr_tensor(core, factors)) + intercept
        if covariates is not None:
            eta = eta + xp.matmul(covariates, covariate_coef)
    jac = _forward_many(design, directions)  # (n, q), or (n, m, q)
    if extra:  # the linear part's coordinates: the columns [1, Z], which do not move B
        jac = xp.concat([jac, *linear], axis=-1)
        zero = xp.zeros(
            (extra, directions.shape[1]), dtype=directions.dtype, device=device(directions)
        )
        directions = xp.concat([directions, zero], axis=0)
    objective = Objective(family, y, weights, alpha)
    # the samples that count: the weights scale the information to their number, so a
    # zero-weight sample is a sample dropped and equal weights are no weights
    n = n if weights is None else int(xp.sum(xp.astype(weights > 0, xp.int64)))
    information = _gauss_newton(objective, eta, jac, n)
    if alpha:
        information = information + n * alpha * xp.matmul(
            directions, xp.matrix_transpose(directions)
        )
    if observed:
        residual = design.adjoint(objective.sample_gradient(eta))
        if alpha:
            residual = residual + alpha * lsr_tensor(core, factors)
        curvature_part = n * curvature_term(residual, core, factors)
        if extra:
            curvature_part = xpx.pad(curvature_part, [(0, extra), (0, extra)], xp=xp)
        information = information + curvature_part
    # the dispersion scales the errors (zero for a fit that interpolates the data)
    stderr = _delta_method_stderr(information, directions, p, shape)
    dispersion = _dispersion(family, objective, eta, n, p)
    if dispersion == math.inf:
        return xp.full_like(stderr, math.inf), n - p
    return xp.where(stderr == math.inf, stderr, stderr * math.sqrt(dispersion)), n - p


def _covariate_columns(covariates: Any, outputs: int) -> Any:
    """The covariates' columns of the Jacobian of eta: Z ``(n, p)``, or for m predictors
    ``(n, m, p m)``, coefficient ``(j, c)`` moving predictor c by ``Z_ij``."""
    if outputs == 1:
        return covariates
    xp = array_namespace(covariates)
    n, p = (int(v) for v in covariates.shape)
    eye = xp.eye(outputs, dtype=covariates.dtype, device=device(covariates))
    columns = covariates[:, None, :, None] * eye[None, :, None, :]  # (n, m, p, m)
    return xp.reshape(columns, (n, outputs, p * outputs))


def _intercept_columns(n: int, outputs: int, *, like: Any) -> Any:
    """The intercept's columns of the Jacobian of eta: ones ``(n, 1)``, or one identity per
    sample ``(n, m, m)`` for m predictors (one intercept each)."""
    xp = array_namespace(like)
    if outputs == 1:
        return xp.ones((n, 1), dtype=like.dtype, device=device(like))
    eye = xp.eye(outputs, dtype=like.dtype, device=device(like))
    return xp.broadcast_to(eye[None, ...], (n, outputs, outputs))


def _gauss_newton(objective: Objective, eta: Any, jac: Any, n: int) -> Any:
    """``n sum_i w_i J_i^T H_i J_i`` ``(q, q)``: ``J_i`` the rows (or ``(m, q)`` blocks) of
    ``jac``, ``H_i`` the family's curvature in eta (``curvature_blocks`` ``(n, m, m)`` for
    m predictors per sample)."""
    xp = objective.xp
    if jac.ndim == 2:
        curvature = objective.sample_curvature(eta) * n  # w_i h_i n: n h_i for equal weights
        return xp.matmul(xp.matrix_transpose(jac) * curvature[None, :], jac)
    blocks = (
        objective.family.curvature_blocks(eta) * (objective.sample_weights() * n)[:, None, None]
    )
    m = int(jac.shape[1])
    information = None
    for c in range(m):
        for d in range(m):
            part = xp.matmul(
                xp.matrix_transpose(jac[:, c, :] * blocks[:, c, d][:, None]), jac[:, d, :]
            )
            information = part if information is None else information + part
    return information


def _dispersion(family: Any, objective: Objective, eta: Any, n: int, p: int) -> float:
    """Pearson's estimate ``n sum_i w_i g_i^2 / h_i / (n - p)`` for a family with a
    dispersion parameter (``g``, ``h`` the loss's slope and curvature in eta: for a
    Gaussian the residual variance, for a gamma ``(y - mu)^2 / mu^2``); else 1."""
    if not getattr(family, "dispersion_parameters", 0):
        return 1.0
    if n <= p:
        return math.inf
    xp = objective.xp
    slope = family.grad(eta, objective.y)
    pearson = objective.sample_weights() * slope**2 / objective.curvature(eta)
    return float(n * xp.sum(pearson)) / (n - p)


def _delta_method_stderr(information: Any, directions: Any, p: int, shape: Sequence[int]) -> Any:
    """``sqrt(diag(J I^+ J^T))`` on ``I``'s ``p`` largest eigenvalues, shape ``shape``."""
    xp = array_namespace(information)
    diagonal = xp.linalg.diagonal(information)
    scale = xp.where(diagonal > 0, 1.0 / xp.sqrt(xp.where(diagonal > 0, diagonal, 1.0)), 1.0)
    scaled = information * scale[:, None] * scale[None, :]
    values, vectors = xp.linalg.eigh(0.5 * (scaled + xp.matrix_transpose(scaled)))
    keep = min(p, int(values.shape[0]))
    values, vectors = values[-keep:], vectors[:, -keep:]  # eigh sorts ascending
    # the pseudo-inverse's tolerance (MASS::ginv's): a fit stopped at tol leaves a
    # gradient whose curvature term puts noise of about 1e-11 relative on a zero
    # eigenvalue (a covariate that copies a tensor entry), far above round-off
    floor = float(xp.max(values)) * math.sqrt(float(xp.finfo(values.dtype).eps))
    safe = xp.where(values > floor, values, 1.0)
    mapped = xp.matmul(xp.matrix_transpose(directions) * scale[None, :], vectors)  # (D, p)
    variance = xp.sum(mapped**2 / safe[None, :], axis=1)
    if bool(xp.any(values <= floor)):  # directions the data do not determine
        undetermined = xp.astype(values <= floor, mapped.dtype)
        total = xp.sum(mapped**2, axis=1)
        share = xp.sum(mapped**2 * undetermined[None, :], axis=1) / xp.where(total > 0, total, 1.0)
        variance = xp.where(share > math.sqrt(float(xp.finfo(mapped.dtype).eps)), xp.inf, variance)
    return xp.reshape(xp.sqrt(variance), tuple(shape))


def wald_multiplier(alpha: float, dof: int | None) -> float:
    """The two-sided ``1 - alpha`` quantile: Student's t with ``dof`` degrees of freedom
    (a family whose dispersion is estimated), else the standard normal's."""
    from scipy import stats

    if dof is None:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, max(dof, 1)))
