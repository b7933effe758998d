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
        scale = float(xp.max(xp.abs(xp.linalg.diagonal(hessian))))
        if not scale > 0:
            break
        hessian = hessian + (max(1e-10, 16 * float(xp.finfo(hessian.dtype).eps)) * scale) * eye
        direction = -xp.linalg.solve(hessian, gradient[:, None])[:, 0]
        decrement = -float(xp.sum(gradient * direction))
        if not decrement > 1e-14 * (abs(state.value) + 1e-300):
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
