"""LSRTR-M: the Muon step on each factor matrix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from lsr_arrayapi.linalg.orthogonalize import (
    newton_schulz,
    ns_coefficient_table,
    polar_eig,
    polar_svd,
)
from lsr_arrayapi.rules._momentum import MomentumOrthogonalizedRule
from lsr_arrayapi.rules.base import NONNEGATIVE, POSITIVE_INT, check_options

#: orthogonalizer name -> the (approximate) polar factor of a rule's direction
ORTHOGONALIZERS: dict[str, Callable[[Any, Any], Any]] = {
    "newton_schulz": lambda rule, M: newton_schulz(M, rule.ns_coefficients, rule.ns_steps),
    "eig": lambda rule, M: polar_eig(M, eps=rule.eps),
    "svd": lambda rule, M: polar_svd(M),
}

#: ``preset="paper"``: LSRTR-M exactly as its authors' code runs it.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": {
        "orthogonalizer": "eig",
        "eps": 1e-4,
        "momentum": 0.1,
        "lr": 0.05,
        "weight_decay": 1e-3,
        "retract": "none",
        "tangent": False,
    }
}


class MuonRule(MomentumOrthogonalizedRule):
    """Momentum, then orthogonalize the momentum, then step (LSRTR-M).

    Every option defaults to None, which means its value in ``preset`` when
    one is given, else the default named below; explicit options override
    the preset.

    Parameters
    ----------
    preset : str or None, default=None
        ``"paper"`` reproduces the authors' LSRTR-M: eig polar with eps 1e-4,
        momentum 0.1, lr 0.05, weight decay 1e-3, raw gradient, no retraction.
    orthogonalizer : str or None, default=None
        ``"newton_schulz"`` (the default: Muon proper, matrix products only),
        ``"eig"`` (regularized exact polar with ``eps``, the authors' code) or
        ``"svd"`` (exact polar).
    eps : float or None, default=None
        Regularization of the ``"eig"`` polar ``M (M^T M + eps I)^{-1/2}`` (1e-4).
    ns_coefficients : str or sequence or None, default=None
        Newton-Schulz schedule: ``"polar_express"`` (the default), ``"muon"``,
        ``"classic"``, or a ``(T, 3)`` table of quintic coefficients.
    ns_steps : int or None, default=None
        Newton-Schulz steps (the schedule's own count: 8 for Polar Express).
    momentum : float or None, default=None
        Heavy-ball coefficient ``beta`` in [0, 1) (0.0).
    nesterov : bool or None, default=None
        Orthogonalize ``g + beta M`` instead of ``M`` (False).
    weight_decay : float or None, default=None
        Decoupled weight decay ``lambda`` (0.0).
    lr : float or None, default=None
        None (adaptive): the solver's step times ``<O, M> / r``; a float: the
        paper's constant spectral step, which the rule then owns.
    retract : str or None, default=None
        Retraction after the step: a registered one (``"polar"``, the default;
        ``"qr"``; plugins') or ``"none"``.
    tangent : bool or None, default=None
        Project the gradient onto the Stiefel tangent space (True) or use the
        raw gradient (the paper).
    """

    name: ClassVar[str] = "muon"

    def __init__(
        self,
        *,
        preset: str | None = None,
        orthogonalizer: str | None = None,
        eps: float | None = None,
        ns_coefficients: str | Sequence[Sequence[float]] | None = None,
        ns_steps: int | None = None,
        momentum: float | None = None,
        nesterov: bool | None = None,
        weight_decay: float | None = None,
        lr: float | None = None,
        retract: str | None = None,
        tangent: bool | None = None,
    ) -> None:
        if preset is not None and preset not in PRESETS:
            raise ValueError(f"unknown muon preset {preset!r}; known: {sorted(PRESETS)}")
        given = {
            "orthogonalizer": orthogonalizer,
            "eps": eps,
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": weight_decay,
            "lr": lr,
            "retract": retract,
            "tangent": tangent,
        }
        options = {
            **self._defaults,
            "orthogonalizer": "newton_schulz",
            "eps": 1e-4,
            **(PRESETS[preset] if preset else {}),
            **{key: value for key, value in given.items() if value is not None},
        }
        super().__init__(
            momentum=options["momentum"],
            nesterov=options["nesterov"],
            weight_decay=options["weight_decay"],
            lr=options["lr"],
            retract=options["retract"],
            tangent=options["tangent"],
        )
        if options["orthogonalizer"] not in ORTHOGONALIZERS:
            raise ValueError(
                f"orthogonalizer must be one of {tuple(ORTHOGONALIZERS)}, got "
                f"{options['orthogonalizer']!r}"
            )
        check_options(NONNEGATIVE, eps=options["eps"])
        if ns_steps is not None:
            check_options(POSITIVE_INT, ns_steps=ns_steps)
        self.orthogonalizer = options["orthogonalizer"]
        self.eps = float(options["eps"])
        self.ns_coefficients = "polar_express" if ns_coefficients is None else ns_coefficients
        self.ns_steps = ns_steps
        ns_coefficient_table(self.ns_coefficients, ns_steps)  # validate early

    def orthogonalize(self, direction: Any) -> Any:
        return ORTHOGONALIZERS[self.orthogonalizer](self, direction)
