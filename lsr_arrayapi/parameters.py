"""Every public parameter's constraints, in one table, checked once before any work.

:data:`PARAMETER_CONSTRAINTS` maps a parameter name to the list of constraints
it may satisfy (any one suffices), as scikit-learn's ``_parameter_constraints``.
``fit_lsr``, the estimators' ``fit`` and the loaders check their arguments with
:func:`check_parameters`; a value that satisfies none raises
:class:`~lsr_arrayapi.exceptions.InvalidParameterError` naming the parameter,
the accepted values and the value given.  NumPy integer and floating scalars
are accepted wherever a Python number is; booleans are not numbers here.

Print both tables with
``python -c "from lsr_arrayapi.parameters import constraints_table as t; print(t())"``.
"""

from __future__ import annotations

import inspect
import math
import numbers
import reprlib
from collections.abc import Mapping
from typing import Any

from lsr_arrayapi._backends import Generator
from lsr_arrayapi.exceptions import InvalidParameterError
from lsr_arrayapi.plugins.manager import available_solvers, available_starts, get_solver_class

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "check_parameters",
    "check_sizes",
    "check_solver_inputs",
    "constraints_table",
    "parameter_count",
]

#: restarts of the cold start's Tucker stage: a bound that stops a typo from running for days
MAX_N_INIT = 1000


class Constraint:
    """A predicate on a parameter value with a description for error messages."""

    description = ""

    def __call__(self, value: Any) -> bool:
        raise NotImplementedError

    def cast(self, value: Any) -> Any:
        """A value that satisfies the constraint as the plain Python object the code uses
        (NumPy scalars would otherwise leak into another namespace's arithmetic)."""
        return value

    def __str__(self) -> str:
        return self.description


class Interval(Constraint):
    """An int (``kind=numbers.Integral``) or finite float (``numbers.Real``) in a range.

    ``low`` is included unless ``open_low``; the upper end is ``high`` (included)
    or unbounded (None).
    """

    def __init__(
        self, kind: type, low: float, high: float | None = None, *, open_low: bool = False
    ) -> None:
        self.kind, self.low, self.high, self.open_low = kind, low, high, open_low
        noun = "an int" if kind is numbers.Integral else "a finite number"
        left = f"({low}" if open_low else f"[{low}"
        right = "inf)" if high is None else f"{high}]"
        self.description = f"{noun} in {left}, {right}"

    def __call__(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        number: Any = value
        if self.kind is not numbers.Integral:  # a real number: finite, as a float
            try:
                number = float(value)  # type: ignore[arg-type]
            except OverflowError:
                return False
            if not math.isfinite(number):
                return False
        above = number > self.low if self.open_low else number >= self.low
        return above and (self.high is None or number <= self.high)

    def cast(self, value: Any) -> Any:
        return int(value) if self.kind is numbers.Integral else float(value)


class IntSequence(Constraint):
    """A non-empty sequence (list, tuple, 1-D array) of ints >= ``low``."""

    def __init__(self, low: int) -> None:
        self.item = Interval(numbers.Integral, low)
        self.description = f"a sequence of ints in [{low}, inf)"

    def __call__(self, value: Any) -> bool:
        if isinstance(value, str | bytes | Mapping) or not (
            isinstance(value, list | tuple) or getattr(value, "ndim", None) == 1
        ):
            return False
        items = list(value)
        return bool(items) and all(self.item(v) for v in items)

    def cast(self, value: Any) -> tuple[int, ...]:
        return tuple(int(v) for v in value)


class _RegisteredName(Constraint):
    """A registered name of a plugin kind, or one of ``extra`` (looked up when checked)."""

    def __init__(self, available: Any, extra: tuple[str, ...] = ()) -> None:
        self.available, self.extra = available, extra

    def __call__(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names()

    def names(self) -> tuple[str, ...]:
        return (*self.extra, *self.available())

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.names())


class Instance(Constraint):
    """An instance of one of ``types``."""

    def __init__(self, types: tuple[type, ...], description: str) -> None:
        self.types, self.description = types, description

    def __call__(self, value: Any) -> bool:
        return isinstance(value, self.types)


class HasMembers(Constraint):
    """An object (not a class) with the given methods, or a mapping/object with fields."""

    def __init__(self, members: tuple[str, ...], description: str, *, fields: bool = False):
        self.members, self.description, self.fields = members, description, fields

    def __call__(self, value: Any) -> bool:
        if inspect.isclass(value) or isinstance(value, str):
            return False
        if self.fields:
            get = value.get if isinstance(value, Mapping) else lambda k: getattr(value, k, None)
            return all(get(m) is not None for m in self.members)
        return all(callable(getattr(value, m, None)) for m in self.members)


class _NoneConstraint(Constraint):
    description = "None"

    def __call__(self, value: Any) -> bool:
        return value is None


class _Callback(Constraint):
    description = "a callable taking (iteration, fit)"

    def __call__(self, value: Any) -> bool:
        if not callable(value) or inspect.isclass(value):
            return False
        try:
            inspect.signature(value).bind(0, None)
        except TypeError:
            return False
        except ValueError:  # no signature to inspect (some builtins): trust it
            pass
        return True


class _OptionMapping(Constraint):
    description = "a mapping of option names (str) to values"

    def __call__(self, value: Any) -> bool:
        return isinstance(value, Mapping) and all(isinstance(k, str) for k in value)


class _Boolean(Constraint):
    """A Python bool or a NumPy bool scalar (not a Python bool), matched by class
    name so that no backend is imported (as :mod:`lsr_arrayapi.exceptions` does)."""

    description = "a bool"

    def __call__(self, value: Any) -> bool:
        cls = type(value)
        return cls is bool or (cls.__module__ == "numpy" and cls.__name__ in ("bool", "bool_"))

    def cast(self, value: Any) -> Any:
        return bool(value)


NONE = _NoneConstraint()
BOOLEAN = _Boolean()
RULE_INSTANCE = HasMembers(("init_state", "step"), "a rule instance with init_state() and step()")
FAMILY_INSTANCE = HasMembers(
    ("validate", "mean", "loss", "grad"),
    "a family instance with validate(), mean(), loss(), grad()",
)
SOLVER_INSTANCE = HasMembers(("uses", "init", "iterate"), "a solver with uses(), init(), iterate()")
START_INSTANCE = HasMembers(("fit",), "a start with fit()")
WARM_START = HasMembers(
    ("core", "factors"), "a warm start (a mapping or a fit with core and factors)", fields=True
)

#: parameter name -> constraints, any one of which a valid value satisfies
PARAMETER_CONSTRAINTS: dict[str, list[Constraint]] = {
    "ranks": [Interval(numbers.Integral, 1), IntSequence(1)],
    "separation_rank": [Interval(numbers.Integral, 1)],
    "family": [Instance((str,), "a registered family name (str)"), FAMILY_INSTANCE],
    "rule": [NONE, Instance((str,), "a registered rule name (str)"), RULE_INSTANCE],
    "rule_options": [NONE, _OptionMapping()],
    "max_iter": [Interval(numbers.Integral, 0)],
    "tol": [Interval(numbers.Real, 0)],
    "lr": [NONE, Interval(numbers.Real, 0, open_low=True)],
    "alpha": [Interval(numbers.Real, 0)],
    "fit_intercept": [BOOLEAN],
    "init": [_RegisteredName(available_starts), START_INSTANCE, WARM_START],
    "n_init": [Interval(numbers.Integral, 1, MAX_N_INIT)],
    "schedule": [_RegisteredName(available_solvers, ("auto",)), SOLVER_INSTANCE],
    "random_state": [
        NONE,
        Interval(numbers.Integral, 0),
        Instance((Generator,), "a numpy.random.Generator"),
    ],
    "callback": [NONE, _Callback()],
    "verbose": [BOOLEAN, Interval(numbers.Integral, 0)],
    "chunk_rows": [NONE, Interval(numbers.Integral, 1)],
    # the synthetic-data generators
    "n_samples": [Interval(numbers.Integral, 1)],
    "sample_shape": [IntSequence(1)],
    "noise": [Interval(numbers.Real, 0)],
}

_short_repr = reprlib.Repr()
_short_repr.maxstring = _short_repr.maxother = 60


def describe(name: str) -> str:
    """The accepted values of parameter ``name``, in words."""
    parts = [str(c) for c in PARAMETER_CONSTRAINTS[name]]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def check_parameters(caller: str, **values: Any) -> dict[str, Any]:
    """Return the values as plain Python objects (ints, floats, bools, tuples of ints);
    raise :class:`InvalidParameterError` for the first value outside its constraints."""
    checked = {}
    for name, value in values.items():
        satisfied = [c for c in PARAMETER_CONSTRAINTS[name] if c(value)]
        if not satisfied:
            if inspect.isclass(value):
                shown = f"the class {value.__name__} (pass an instance)"
            else:
                shown = f"{_short_repr.repr(value)} ({type(value).__name__})"
            raise InvalidParameterError(
                f"{caller}: parameter {name!r} must be {describe(name)}; got {shown}"
            )
        checked[name] = satisfied[0].cast(value)
    return checked


def check_solver_inputs(
    solver: Any, S: int, *, rule: Any, rule_options: Any, lr: Any, init: Any, n_init: Any
) -> None:
    """Reject an option of ``fit_lsr`` that ``solver`` (or the start ``init``) would not use.

    What a solver uses is its own declaration, ``solver.uses(S)``
    (:class:`~lsr_arrayapi.solvers.base.Solver`); ``schedule="auto"`` picks one
    that uses every option given.  ``n_init`` (other than its default 2)
    applies to starts that declare ``uses = ("n_init",)`` (``init="lift"``).
    """
    given = {"rule": rule is not None, "rule_options": bool(rule_options), "lr": lr is not None}
    uses = tuple(solver.uses(S))
    unused = [name for name, on in given.items() if on and name not in uses]
    if unused:
        name = getattr(solver, "name", type(solver).__name__)
        at = f" with S = {S}" if uses != tuple(solver.uses(S + 1)) else ""
        raise InvalidParameterError(
            f"schedule={name!r}{at} does not use {', '.join(unused)} (it uses "
            f"{', '.join(uses) or 'none of rule, rule_options, lr'}); leave "
            f"{' and '.join(unused)} unset or choose another schedule"
        )
    if n_init != 2 and "n_init" not in getattr(init, "uses", ()):
        raise InvalidParameterError(
            f"n_init={n_init!r} applies to init='lift' only (the restarts of its Tucker "
            "stage); leave n_init unset for other starts"
        )


def parameter_count(sample_shape: tuple[int, ...], ranks: tuple[int, ...], S: int) -> int:
    """Parameters of an LSR model: ``S * sum_k d_k r_k + prod_k r_k``."""
    return S * sum(d * r for d, r in zip(sample_shape, ranks, strict=True)) + math.prod(ranks)


def check_sizes(
    ranks: int | Any, sample_shape: tuple[int, ...], separation_rank: int
) -> tuple[tuple[int, ...], int]:
    """Return ``(ranks, S)`` as Python ints, checked against the sample shape.

    Ranks: one per mode, ``1 <= r_k <= d_k`` (an int means the same rank in every
    mode).  Separation rank: S = 1 always; S >= 2 only while the model with
    S - 1 terms has fewer parameters than the full tensor, ``parameter_count(S - 1)
    < prod d_k``.  Beyond that every further term adds redundant parameters and
    a proportional cost (the redundancy makes the cold start's core split
    singular), so S is bounded by the data's shape before any work.
    """
    given: Any = ranks
    ranks = (int(given),) * len(sample_shape) if isinstance(given, numbers.Integral) else given
    ranks = tuple(int(r) for r in ranks)
    if len(ranks) != len(sample_shape):
        raise InvalidParameterError(
            f"ranks has {len(ranks)} entries but the samples have {len(sample_shape)} modes "
            f"(sample shape {sample_shape})"
        )
    for k, (rank, dim) in enumerate(zip(ranks, sample_shape, strict=True)):
        if not 1 <= rank <= dim:
            raise InvalidParameterError(
                f"ranks[{k}] = {rank} must be an integer in [1, d_{k + 1} = {dim}]"
            )
    S = int(separation_rank)
    full = math.prod(sample_shape)
    if S >= 2 and parameter_count(sample_shape, ranks, S - 1) >= full:
        per_term = parameter_count(sample_shape, ranks, 1) - math.prod(ranks)
        largest = max(1, -(-(full - math.prod(ranks)) // per_term))  # the largest S allowed
        raise InvalidParameterError(
            f"separation_rank={S} is too large for samples of shape {sample_shape} with ranks "
            f"{ranks}: {S - 1} term(s) already have {parameter_count(sample_shape, ranks, S - 1)} "
            f"parameters (S * sum d_k r_k + prod r_k), at least the {full} entries of the full "
            f"tensor; use separation_rank <= {largest} or smaller ranks"
        )
    return ranks, S


def constraints_table() -> str:
    """Both tables as text: each parameter's accepted values, each solver's options."""
    width = max(map(len, PARAMETER_CONSTRAINTS))
    lines = [f"{name:<{width}}  {describe(name)}" for name in PARAMETER_CONSTRAINTS]
    lines.append("")
    for name in available_solvers():
        solver = get_solver_class(name)()
        cases = (
            [(1, name)]
            if solver.uses(1) == solver.uses(2)
            else [(1, f"{name}, S = 1"), (2, f"{name}, S >= 2")]
        )
        for S, label in cases:
            uses = ", ".join(solver.uses(S)) or "no rule, rule_options or lr"
            lines.append(f"{label:<{width}}  uses {uses}")
    return "\n".join(lines)
