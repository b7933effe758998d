"""The fitted model that every solver returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsr_arrayapi.linalg.tensor import lsr_tensor


@dataclass
class LSRFit:
    """A fitted (or in-progress) LSR model; arrays live in X's namespace and device.

    ``core`` has shape ``r``, ``factors[s][k]`` shape ``(d_k, r_k)``;
    ``history`` holds per-iteration ``loss`` (penalized objective) and
    cumulative ``time`` in seconds (entry 0 is the start); ``eta`` is the
    linear predictor ``<X_i, B> + b_0`` on the training samples ``(n,)`` (None
    when unknown), which lets the post-fit checks skip a pass over X;
    ``solver`` says which solver produced the fit, with its options (and the
    update rule where it used one); ``covariate_coef`` ``(p,)`` holds the
    coefficients of the covariates Z (None for a fit without them).
    """

    core: Any
    factors: list[list[Any]]
    intercept: float
    n_iter: int = 0
    converged: bool = False
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "time": []})
    eta: Any = field(default=None, repr=False, compare=False)
    solver: str = field(default="", compare=False)
    covariate_coef: Any = None

    @property
    def coef(self) -> Any:
        """The coefficient tensor B, shape ``d``."""
        return lsr_tensor(self.core, self.factors)

    def __repr__(self) -> str:
        """One line: shapes, ranks, iterations and final loss, not the arrays."""
        shape = tuple(int(f.shape[0]) for f in self.factors[0]) if self.factors else ()
        losses = self.history.get("loss") or [float("nan")]
        namespace = type(self.core).__module__.partition(".")[0]
        return (
            f"LSRFit(shape={shape}, ranks={tuple(int(r) for r in self.core.shape)}, "
            f"separation_rank={len(self.factors)}, n_iter={self.n_iter}, "
            f"converged={self.converged}, final_loss={losses[-1]:.6g}, "
            f"intercept={_number(self.intercept)}, namespace={namespace})"
        )


def _number(value: Any) -> str:
    """An intercept for the repr: a float, or the list of one per predictor."""
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError, RuntimeError):  # one per predictor
        from lsr_arrayapi._backends import to_host

        return str([round(float(v), 6) for v in to_host(value)])
