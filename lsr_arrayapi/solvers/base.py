"""The solver protocol: one outer iteration of a fit, on an explicit state.

A solver is a small configuration object (its own options as fields).  The
loop (:func:`lsr_arrayapi.solvers.run.run`) calls ``init(state)`` once for the
solver's memory, then ``iterate(state, memory)`` until the coefficients settle.
``state`` is the :class:`~lsr_arrayapi.solvers.state.FitState` of the fit: the
point, the objective, and the safeguarded block steps the built-in solvers
are made of.  ``uses(S)`` names the options of :func:`~lsr_arrayapi.fit_lsr`
(``"rule"``, ``"rule_options"``, ``"lr"``) the solver uses at separation rank
S; a fit that gives it any other one raises instead of ignoring it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

#: the options of ``fit_lsr`` a solver may use
SOLVER_INPUTS = ("rule", "rule_options", "lr")


@dataclass(frozen=True)
class Outcome:
    """What one iteration tells the loop.

    ``stalled``: no step decreases the loss, so the run ends; ``at_precision``:
    that is because the fit is at round-off level (the run then counts as converged).
    """

    stalled: bool = False
    at_precision: bool = False


#: an iteration that moved the point
MOVED = Outcome()


@runtime_checkable
class Solver(Protocol):
    """One outer iteration of a fit (see the module docstring).

    Optional: ``check(design, S)`` raises
    :class:`~lsr_arrayapi.exceptions.InvalidParameterError` when the solver
    cannot run on ``design`` (called before any work).
    """

    name: ClassVar[str]

    def uses(self, S: int) -> tuple[str, ...]:
        """The options of ``fit_lsr`` (of ``SOLVER_INPUTS``) this solver uses with S terms."""
        ...

    def init(self, state: Any) -> Any:
        """The solver's memory for a run from ``state``'s point (None when it keeps none)."""
        ...

    def iterate(self, state: Any, memory: Any) -> Outcome:
        """Move ``state`` by one outer iteration; ``memory`` may be updated in place."""
        ...
