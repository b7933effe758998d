"""Damped Newton on a block that moves eta linearly: no pass over X.

ALS solves its factor and core blocks with it on their block designs; the
intercept and the covariates are such a block too, with the design ``[1, Z]``.
"""

from __future__ import annotations

from typing import Any

#: Damped Newton steps per convex block (one suffices for the Gaussian family).
NEWTON_STEPS = 5


def newton_block(
    state: Any,
    design: Any,
    vector: Any,
    ridge: Any = None,
    coef_of: Any = None,
    *,
    steps: int = NEWTON_STEPS,
) -> Any:
    """Damped Newton on ``x`` for ``eta = eta_rest + design @ x``; updates ``state.eta``.

    ``ridge`` is the Hessian of ``||B||^2 / 2`` in x (B linear in x; None when x
    does not move B -- the intercept and covariates -- or without a penalty);
    ``coef_of(x)`` gives B.  Each of at most ``steps`` steps solves the Newton
    system and takes the exact line search along it, so the objective never increases.
    """
    xp, objective = state.xp, state.objective
    alpha = objective.alpha if ridge is not None else 0.0
    eta, coef = state.eta, state.coef
    p = vector.shape[0]
    eye = xp.eye(p, dtype=vector.dtype, device=state.design.device)
    for _ in range(steps):
        gradient = xp.matmul(objective.sample_gradient(eta), design)
        curvature = objective.sample_curvature(eta)
        hessian = xp.matmul(xp.matrix_transpose(design), curvature[:, None] * design)
        if alpha:
            gradient = gradient + alpha * xp.matmul(ridge, vector)
            hessian = hessian + alpha * ridge
        direction = _newton_direction(xp, hessian, gradient, eye, state.value)
        if direction is None:
            break
        d_eta = xp.matmul(design, direction)
        d_coef = coef_of(direction) if alpha else None
        t = objective.line_search(eta, coef, d_eta, d_coef, 1.0)
        if t == 0:
            break
        vector = vector + t * direction
        eta = eta + t * d_eta
        if alpha:
            coef = coef + t * d_coef
        if getattr(objective.family, "quadratic", False):
            break  # a quadratic block is solved by its first Newton step
    state.move_to(eta=eta, value=state.value)  # the caller sets the value after the block
    return vector


def newton_matrix_block(state: Any, design: Any, matrix: Any, *, steps: int = NEWTON_STEPS) -> Any:
    """Damped Newton on ``M`` ``(a, m)`` for ``eta = eta_rest + design @ M`` ``(n, m)`` (m
    predictors per sample, M unpenalized: the multinomial family's intercepts and
    covariates); updates ``state.eta``.

    The Hessian couples the predictors through the family's per-sample
    ``curvature_blocks`` ``(n, m, m)`` (its ``curvature_bound`` times the identity
    without them): ``H[(i, c), (j, d)] = sum_n w_n q_ni q_nj C_ncd``, of size
    ``a m``.  Each step solves it and takes the exact line search along it.
    """
    xp, objective = state.xp, state.objective
    eta = state.eta
    a, m = (int(v) for v in matrix.shape)
    eye = xp.eye(a * m, dtype=matrix.dtype, device=state.design.device)
    blocks_of = getattr(objective.family, "curvature_blocks", None)
    weights = objective.sample_weights()
    for _ in range(steps):
        gradient = xp.reshape(
            xp.matmul(xp.matrix_transpose(design), objective.sample_gradient(eta)), (-1,)
        )
        if blocks_of is None:
            bound = getattr(objective.family, "curvature_bound", None) or 1.0
            identity = xp.eye(m, dtype=eta.dtype, device=state.design.device)
            blocks = xp.broadcast_to(bound * identity[None, ...], (eta.shape[0], m, m))
        else:
            blocks = blocks_of(eta)
        blocks = blocks * weights[:, None, None]
        parts = xp.stack(
            [
                xp.stack(
                    [
                        xp.matmul(xp.matrix_transpose(design), blocks[:, c, d][:, None] * design)
                        for d in range(m)
                    ]
                )
                for c in range(m)
            ]
        )  # (m, m, a, a): [c, d, i, j]
        hessian = xp.reshape(xp.permute_dims(parts, (2, 0, 3, 1)), (a * m, a * m))
        direction = _newton_direction(xp, hessian, gradient, eye, state.value)
        if direction is None:
            break
        step = xp.reshape(direction, (a, m))
        d_eta = xp.matmul(design, step)
        t = objective.line_search(eta, state.coef, d_eta, None, 1.0)
        if t == 0:
            break
        matrix = matrix + t * step
        eta = eta + t * d_eta
    state.move_to(eta=eta, value=state.value)  # the caller sets the value after the block
    return matrix


def _newton_direction(xp: Any, hessian: Any, gradient: Any, eye: Any, value: float) -> Any:
    """``-H^-1 g`` with H lifted by a relative floor, or None when there is nothing to gain
    (a zero Hessian, or a Newton decrement at round-off of the objective ``value``)."""
    scale = float(xp.max(xp.abs(xp.linalg.diagonal(hessian))))
    if not scale > 0:
        return None
    hessian = hessian + (max(1e-10, 16 * float(xp.finfo(hessian.dtype).eps)) * scale) * eye
    direction = -xp.linalg.solve(hessian, gradient[:, None])[:, 0]
    decrement = -float(xp.sum(gradient * direction))
    return direction if decrement > 1e-14 * (abs(value) + 1e-300) else None
