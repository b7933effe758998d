"""Which solver a fit runs: ``schedule="auto"``, a registered name, or a solver object."""

from __future__ import annotations

from typing import Any

from lsr_arrayapi.plugins.manager import get_solver_class
from lsr_arrayapi.solvers.alternating import ALS
from lsr_arrayapi.solvers.block_descent import GaussSeidel
from lsr_arrayapi.solvers.lbfgs import LBFGS


def auto_solver(design: Any, family: Any, S: int, *, rule_given: bool = False) -> Any:
    """``schedule="auto"``: the fastest measured solver (docs/performance.md).

    With a rule, ``rule_options`` or ``lr`` given (``rule_given``): Gauss-Seidel,
    the one solver that uses all three.  Otherwise ALS where each of its blocks
    is one exact least-squares solve (S = 1, a quadratic family, a design with
    ``project``); L-BFGS otherwise -- a GLM block needs several Newton steps,
    and with S >= 2 the blocks are constrained.
    """
    if rule_given:
        return GaussSeidel()
    quadratic = getattr(family, "quadratic", False)
    return ALS() if S == 1 and quadratic and hasattr(design, "project") else LBFGS()


def make_solver(schedule: Any, design: Any, family: Any, S: int, *, rule_given: bool) -> Any:
    """The solver object for ``schedule`` (``"auto"``, a registered name, or a solver)."""
    if isinstance(schedule, str):
        if schedule == "auto":
            return auto_solver(design, family, S, rule_given=rule_given)
        return get_solver_class(schedule)()
    return schedule
