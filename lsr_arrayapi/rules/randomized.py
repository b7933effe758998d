"""Muon step whose orthogonalizer is a randomized low-rank polar."""

from __future__ import annotations

from typing import Any, ClassVar

from lsr_arrayapi._backends import RandomState, host_rng
from lsr_arrayapi.linalg.orthogonalize import randomized_polar
from lsr_arrayapi.rules._momentum import MomentumOrthogonalizedRule
from lsr_arrayapi.rules.base import NONNEGATIVE_INT, POSITIVE_INT, check_options


class RandomizedPolarRule(MomentumOrthogonalizedRule):
    """Momentum, then a rank-``rank`` randomized polar of the momentum (He-Deng-Lu 2025).

    ``rank`` defaults to the factor's full rank ``r_k`` and the sketch size to
    ``min(rank + oversample, r_k)``, so it works on every thin factor; a
    ``rank`` or ``rank + oversample`` set explicitly beyond the matrix raises.
    It pays when ``r_k`` is large and the momentum is near low rank: the cost
    is ``O(d_k r_k l)`` against ``O(d_k r_k^2)`` for an exact polar.  Sketches
    come from the fit's host generator, so all backends agree.
    """

    name: ClassVar[str] = "randomized_polar"

    def __init__(
        self,
        *,
        rank: int | None = None,
        oversample: int | None = None,
        power_iters: int = 1,
        random_state: RandomState = None,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        lr: float | None = None,
        retract: str | None = "polar",
        tangent: bool = True,
    ) -> None:
        super().__init__(
            momentum=momentum,
            nesterov=nesterov,
            weight_decay=weight_decay,
            lr=lr,
            retract=retract,
            tangent=tangent,
        )
        if rank is not None:
            check_options(POSITIVE_INT, rank=rank)
        check_options(
            NONNEGATIVE_INT,
            power_iters=power_iters,
            **({} if oversample is None else {"oversample": oversample}),
        )
        self.rank = rank
        self.oversample = oversample
        self.power_iters = int(power_iters)
        self.rng = host_rng(random_state)

    def init_state(self, W: Any) -> Any:
        size = min(W.shape)
        if self.rank is not None and self.rank + (self.oversample or 0) > size:
            raise ValueError(
                f"randomized_polar: rank + oversample = {self.rank + (self.oversample or 0)} exceeds "
                f"the factor's smaller side {size} (shape {tuple(W.shape)})"
            )
        return super().init_state(W)

    def orthogonalize(self, direction: Any) -> Any:
        size = min(direction.shape)
        rank = size if self.rank is None else self.rank
        oversample = 5 if self.oversample is None else self.oversample
        return randomized_polar(
            direction,
            rank,
            oversample=min(oversample, size - rank),
            power_iters=self.power_iters,
            random_state=self.rng,
        )
