"""The update-rule protocol: how a factor matrix moves given its gradient.

Arrays are of one array-API namespace and stay on their device.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar, Protocol, runtime_checkable

from lsr_arrayapi.exceptions import InvalidParameterError
from lsr_arrayapi.parameters import BOOLEAN, Constraint, Interval


@runtime_checkable
class UpdateRule(Protocol):
    """How one factor matrix ``W`` (``d_k x r_k``) moves given its gradient.

    The solver instantiates the class as ``cls(**rule_options)`` (adding
    ``random_state=`` -- the fit's host ``numpy.random.Generator`` -- when the
    constructor accepts it), calls ``init_state(W)`` once per factor, then
    ``step(W, grad, state, lr)`` once per block update.  ``step`` must not
    mutate ``state``: the solver may call it again from the same state with a
    smaller ``lr`` when a trial step does not decrease the loss.

    Optional class attributes the solver reads: ``orthonormal`` (True if
    ``step`` always returns orthonormal columns) and ``owns_step_size`` (True
    if the rule ignores ``lr``; the solver then accepts its steps as they come).
    """

    name: ClassVar[str]

    def init_state(self, W: Any) -> Any:
        """The rule's state for factor ``W`` ``(d_k, r_k)`` (e.g. a zero momentum), or None."""
        ...

    def step(self, W: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        """Move ``W`` ``(d_k, r_k)`` along ``-grad`` (same shape) with step ``lr``.

        Returns ``(new W, new state)``; ``state`` itself is left unchanged.
        """
        ...


#: a rule's numeric options: finite non-negative numbers, and counts
NONNEGATIVE = Interval(numbers.Real, 0.0)
NONNEGATIVE_INT = Interval(numbers.Integral, 0)
POSITIVE_INT = Interval(numbers.Integral, 1)


def check_flags(**values: Any) -> None:
    """Raise unless every value is a bool (``numpy.bool_`` too): ``"no"`` or 5 is no flag."""
    for key, value in values.items():
        if not BOOLEAN(value):
            raise InvalidParameterError(f"{key} must be True or False, got {value!r}")


def check_options(constraint: Constraint, **values: Any) -> None:
    """Raise unless every value satisfies ``constraint`` (e.g. :data:`NONNEGATIVE`: ``"x"``,
    NaN and inf are not), naming the option."""
    for key, value in values.items():
        if not constraint(value):
            raise InvalidParameterError(f"{key} must be {constraint}, got {value!r}")
