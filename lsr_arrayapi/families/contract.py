"""The family protocol, enforced on families from plugins and users.

The built-in families are tested to keep it; any other family runs behind
:class:`CheckedFamily`, which checks what its members return for a linear
predictor ``eta`` ``(n,)`` (or ``(n, m)``):

* ``loss`` is 0-D, ``pointwise_loss`` is ``(n,)``; ``grad``, ``mean`` and
  ``curvature`` have eta's shape; each is an array of eta's namespace and dtype;
* at a finite eta (and finite y) ``grad`` and ``curvature`` are finite, and no
  result is NaN (a loss or mean may overflow to inf, as the built-ins' do).

A broken member, or one that raises (``NotImplementedError`` aside: an optional
member left out), raises :class:`~lsr_arrayapi.exceptions.PluginError` naming the
family and the member, instead of an error that blames the data or the start.
Each checked call costs one reduction over eta and one host sync.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NoReturn

from lsr_arrayapi._namespace import array_namespace, unlike
from lsr_arrayapi.exceptions import PluginError
from lsr_arrayapi.families.glm import BUILTIN_FAMILIES


def checked_family(family: Any) -> Any:
    """``family`` itself when it is a built-in, else the family behind :class:`CheckedFamily`."""
    if type(family) in BUILTIN_FAMILIES or isinstance(family, CheckedFamily):
        return family
    return CheckedFamily(family)


#: member -> (result shape for eta's shape, whether inf is allowed)
_MEMBERS: dict[str, tuple[Callable[[tuple[int, ...]], tuple[int, ...]], bool]] = {
    "loss": (lambda shape: (), True),
    "pointwise_loss": (lambda shape: shape[:1], True),
    "mean": (lambda shape: shape, True),
    "grad": (lambda shape: shape, False),
    "curvature": (lambda shape: shape, False),
}


class CheckedFamily:
    """A family whose members' results are checked against the protocol (see the module
    docstring); every other attribute is the family's own."""

    def __init__(self, family: Any) -> None:
        self.family = family
        self.name = getattr(family, "name", type(family).__name__)

    def __getattr__(self, attribute: str) -> Any:
        member = getattr(self.__dict__["family"], attribute)
        if attribute not in _MEMBERS or not callable(member):
            return member
        expected_shape, inf_allowed = _MEMBERS[attribute]

        def checked(eta: Any, *args: Any) -> Any:
            try:
                result = member(eta, *args)
            except NotImplementedError:  # an optional member the family does not define
                raise
            except Exception as error:
                self._fail(attribute, f"raised {type(error).__name__}: {error}", cause=error)
            self._check(attribute, result, eta, args, expected_shape(tuple(eta.shape)), inf_allowed)
            return result

        return checked

    def _check(
        self,
        member: str,
        result: Any,
        eta: Any,
        args: tuple[Any, ...],
        shape: tuple[int, ...],
        inf_allowed: bool,
    ) -> None:
        problem = unlike(result, eta, shape, "eta")
        if problem is not None:
            self._fail(member, problem)
        xp = array_namespace(eta)
        bad = xp.isnan(result) if inf_allowed else ~xp.isfinite(result)
        if not bool(xp.any(bad)):
            return
        if all(bool(xp.all(xp.isfinite(a))) for a in (eta, *args)):
            what = "NaN" if inf_allowed else "non-finite values"
            largest = float(xp.max(xp.abs(eta))) if math.prod(eta.shape) else 0.0
            self._fail(member, f"returned {what} at a finite eta (max |eta| = {largest:.3g})")

    def _fail(self, member: str, problem: str, cause: Exception | None = None) -> NoReturn:
        message = f"family {self.name!r} broke the family protocol: its {member} {problem}"
        raise PluginError(message) from cause
