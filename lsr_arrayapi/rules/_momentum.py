"""The shared momentum-orthogonalized step of the Muon-family rules (optax-style explicit state)."""

from __future__ import annotations

from typing import Any, ClassVar

from lsr_arrayapi._namespace import array_namespace
from lsr_arrayapi.linalg.orthogonalize import project_tangent
from lsr_arrayapi.plugins.manager import available_retractions, get_retraction_class
from lsr_arrayapi.rules.base import NONNEGATIVE, UpdateRule, check_flags, check_options


class MomentumOrthogonalizedRule(UpdateRule):
    """``M <- beta M + xi``; ``O = orth(M)`` (or of ``g + beta M`` with Nesterov);
    ``W <- W - step * O - lr_wd * lambda * W``; then a registered retraction
    (``"polar"`` by default, ``"none"`` for none).  ``xi`` is the gradient projected onto the Stiefel
    tangent space at W (``tangent=True``) or the raw gradient (the paper).

    ``lr=None`` (adaptive, the default) scales the spectral step by the solver's
    ``lr`` times ``<O, M> / r``: the step of steepest descent in the spectral
    norm for a quadratic model, which shrinks to zero with the gradient, so the
    fit can converge to a stationary point.  A float ``lr`` is the paper's
    constant step ``alpha_M``; the rule then owns its step size.
    """

    name: ClassVar[str]
    _defaults: ClassVar[dict[str, Any]] = {
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
        "lr": None,
        "retract": "polar",
        "tangent": True,
    }

    def __init__(
        self,
        *,
        momentum: float,
        nesterov: bool,
        weight_decay: float,
        lr: float | None,
        retract: str | None,
        tangent: bool,
    ) -> None:
        check_options(NONNEGATIVE, momentum=momentum, weight_decay=weight_decay)
        check_flags(nesterov=nesterov, tangent=tangent)
        if momentum >= 1:
            raise ValueError(f"momentum must be < 1, got {momentum!r}")
        if lr is not None:
            check_options(NONNEGATIVE, lr=lr)
        retract = "none" if retract is None else retract
        known = ("none", *available_retractions())
        if retract not in known:
            raise ValueError(f"retract must be one of {known}, got {retract!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.lr = None if lr is None else float(lr)
        self.retract = retract
        self.tangent = bool(tangent)
        self.owns_step_size = self.lr is not None
        self.orthonormal = retract != "none"
        self.retraction = None if retract == "none" else get_retraction_class(retract)()

    def orthogonalize(self, direction: Any) -> Any:
        """The (approximate) polar factor of ``direction`` ``(d_k, r_k)``, same shape."""
        raise NotImplementedError

    def init_state(self, W: Any) -> Any:
        return array_namespace(W).zeros_like(W)

    def step(self, W: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        xp = array_namespace(W, grad)
        if self.tangent:
            grad = project_tangent(W, grad)
        buffer = self.momentum * state + grad
        direction = grad + self.momentum * buffer if self.nesterov else buffer
        ortho = self.orthogonalize(direction)
        if self.lr is None:
            step_size = lr * xp.sum(ortho * direction) / min(W.shape)
            decay = lr * self.weight_decay
        else:
            step_size = self.lr
            decay = self.lr * self.weight_decay
        move = -step_size * ortho
        if decay:
            move = move - decay * W
        new = W + move if self.retraction is None else self.retraction.retract(W, move)
        return new, buffer
