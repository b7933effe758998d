"""The update-rule protocol, enforced on rules from plugins and users.

The built-in rules are tested to keep it; any other rule runs behind
:class:`CheckedRule`, which checks every ``step``: it returns a ``(W, state)``
pair, the new W has W's shape and finite entries, and, when the rule declares
``orthonormal = True``, orthonormal columns (``max |W^T W - I|`` within
:data:`ORTHONORMAL_TOL`).  A broken step raises
:class:`~lsr_arrayapi.exceptions.PluginError` naming the rule, instead of
spreading NaN or a wrong model through the fit.  The check costs one small
``r x r`` product and one host sync per step.
"""

from __future__ import annotations

from typing import Any, NoReturn

from lsr_arrayapi._namespace import array_namespace, device, unlike
from lsr_arrayapi.exceptions import NumericalError, PluginError
from lsr_arrayapi.linalg.retractions import BUILTIN_RETRACTIONS
from lsr_arrayapi.rules import BUILTIN_RULES

#: allowed ``max |W^T W - I|`` for a rule that declares ``orthonormal = True``
#: (float32 QR keeps it near 1e-6; a step without a retraction is far above)
ORTHONORMAL_TOL = 1e-3


def checked_rule(rule: Any) -> Any:
    """``rule`` itself when it is a built-in with a built-in retraction, else the rule
    behind :class:`CheckedRule` (a plugin's retraction in a built-in rule is checked too)."""
    retraction = getattr(rule, "retraction", None)
    builtin_retraction = retraction is None or type(retraction) in BUILTIN_RETRACTIONS
    if (type(rule) in BUILTIN_RULES and builtin_retraction) or isinstance(rule, CheckedRule):
        return rule
    return CheckedRule(rule)


class CheckedRule:
    """A rule whose every step is checked against the protocol (see the module docstring)."""

    def __init__(self, rule: Any) -> None:
        self.rule = rule
        self.name = getattr(rule, "name", type(rule).__name__)

    def __getattr__(self, attribute: str) -> Any:
        # the solver's optional attributes (owns_step_size, orthonormal, ...) are the rule's
        return getattr(self.__dict__["rule"], attribute)

    def init_state(self, W: Any) -> Any:
        return self.rule.init_state(W)

    def step(self, W: Any, grad: Any, state: Any, lr: float) -> tuple[Any, Any]:
        result = self.rule.step(W, grad, state, lr)
        if not (isinstance(result, tuple) and len(result) == 2):
            self._fail(f"returned {type(result).__name__}, not a (W, state) pair")
        new = result[0]
        problem = unlike(new, W, tuple(W.shape), "factor")
        if problem is not None:
            self._fail(problem)
        xp = array_namespace(W)
        if not bool(xp.all(xp.isfinite(new))):
            if not (bool(xp.all(xp.isfinite(W))) and bool(xp.all(xp.isfinite(grad)))):
                raise NumericalError(
                    f"update rule {self.name!r} was given a non-finite factor or gradient"
                )
            self._fail(f"returned non-finite entries for a finite W and gradient (lr={lr:.3g})")
        if getattr(self.rule, "orthonormal", False):
            gram = xp.matmul(xp.matrix_transpose(new), new)
            eye = xp.eye(gram.shape[0], dtype=gram.dtype, device=device(gram))
            error = float(xp.max(xp.abs(gram - eye)))
            if not error <= ORTHONORMAL_TOL:
                self._fail(
                    f"declares orthonormal = True but returned W with max |W^T W - I| = {error:.2g}"
                )
        return result

    def _fail(self, problem: str) -> NoReturn:
        raise PluginError(f"update rule {self.name!r} broke the rule protocol: its step {problem}")
