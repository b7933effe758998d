"""Block coordinate descent with an update rule: the paper's LSRTR and LSRTR-M.

``GaussSeidel`` visits every factor ``B_k^s`` in the paper's order (s outer, k
inner), one safeguarded rule step each, then the core (exact line search)
and the intercept.  Each factor block costs two passes over X: ``R = sum_i r_i
X_i`` for its gradient and ``eta = <X_i, B>`` at the trial point, which the
next block reuses.  ``Jacobi`` moves all factors from one ``R``, then the core:
four passes per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from lsr_arrayapi.solvers.base import MOVED, Outcome

_RULE_INPUTS = ("rule", "rule_options", "lr")


def _blocks(state: Any) -> tuple[tuple[int, int], ...]:
    return tuple((s, k) for s in range(len(state.factors)) for k in range(len(state.factors[0])))


class _RuleSteps:
    """What the rule-driven solvers share: they use the rule, its options and ``lr``, and
    keep no memory of their own (the rule's state lives in the fit's state)."""

    def uses(self, S: int) -> tuple[str, ...]:
        """The rule, its options and the fixed step ``lr``."""
        return _RULE_INPUTS

    def init(self, state: Any) -> None:
        """No memory."""
        return None


@dataclass(frozen=True)
class GaussSeidel(_RuleSteps):
    """Each factor in turn with the fit's rule (``rule``, ``lr``), then the core."""

    name: ClassVar[str] = "gauss_seidel"

    def iterate(self, state: Any, memory: None) -> Outcome:
        """Every factor block in turn (s outer, k inner), then the core."""
        for block in _blocks(state):
            state.update_factors((block,))
        state.update_core()
        return MOVED


@dataclass(frozen=True)
class Jacobi(_RuleSteps):
    """Every factor from one residual tensor with the fit's rule, then the core."""

    name: ClassVar[str] = "jacobi"

    def iterate(self, state: Any, memory: None) -> Outcome:
        """All factor blocks from one residual tensor, then the core."""
        state.update_factors(_blocks(state))
        state.update_core()
        return MOVED
