"""A Cayley-transform update rule and retraction, registered with lsr_arrayapi through an
entry point."""

from __future__ import annotations

from typing import Any, ClassVar

from array_api_compat import array_namespace, device

from lsr_arrayapi import hookimpl


class CayleyRule:
    """``W(tau) = (I - tau/2 A)^{-1} (I + tau/2 A) W`` with skew ``A = G W^T - W G^T``.

    The step is computed in its low-rank form (Wen & Yin 2013): with
    ``U = [G, W]`` and ``V = [W, -G]`` (both ``d x 2r``),
    ``W(tau) = W - tau U (I + tau/2 V^T U)^{-1} V^T W``, a ``2r x 2r`` solve.
    It stays on the Stiefel manifold up to round-off and is a descent
    direction for any gradient ``G``.
    """

    name: ClassVar[str] = "cayley"
    orthonormal: ClassVar[bool] = True

    def init_state(self, W: Any) -> None:
        return None

    def step(self, W: Any, grad: Any, state: None, lr: float) -> tuple[Any, None]:
        xp = array_namespace(W, grad)
        U = xp.concat([grad, W], axis=1)
        V = xp.concat([W, -grad], axis=1)
        VtU = xp.matmul(xp.matrix_transpose(V), U)
        eye = xp.eye(VtU.shape[0], dtype=W.dtype, device=device(W))
        VtW = xp.matmul(xp.matrix_transpose(V), W)
        return W - lr * xp.matmul(U, xp.linalg.solve(eye + 0.5 * lr * VtU, VtW)), state


class CayleyRetraction:
    """The Cayley retraction of a step ``xi`` at ``W``: the rule's curve at ``tau = 1`` for
    ``G = -(I - W W^T / 2) xi``, which moves along ``xi`` to first order when ``xi`` is
    tangent at W.  ``schedule=LBFGS(retraction="cayley")`` puts it in the default solver."""

    name: ClassVar[str] = "cayley"

    def retract(self, W: Any, step: Any) -> Any:
        xp = array_namespace(W, step)
        grad = -(step - 0.5 * xp.matmul(W, xp.matmul(xp.matrix_transpose(W), step)))
        new, _ = CayleyRule().step(W, grad, None, 1.0)
        return new


@hookimpl
def lsr_arrayapi_update_rules() -> list[type]:
    return [CayleyRule]


@hookimpl
def lsr_arrayapi_retractions() -> list[type]:
    return [CayleyRetraction]
