"""Hook specifications.  Plugins implement them with :data:`lsr_arrayapi.hookimpl`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pluggy

PROJECT = "lsr_arrayapi"
_F = TypeVar("_F", bound=Callable[..., Any])

_hookspec = pluggy.HookspecMarker(PROJECT)
#: Marker for hook implementations: ``@hookimpl def lsr_arrayapi_update_rules(): ...``
hookimpl: Callable[[_F], _F] = pluggy.HookimplMarker(PROJECT)


@_hookspec
def lsr_arrayapi_update_rules() -> list[type]:  # type: ignore[empty-body]
    """Return update-rule classes (see :class:`lsr_arrayapi.rules.base.UpdateRule`).

    Each class has a unique ``name``; set the class attribute ``replace = True``
    to override a rule of the same name registered before.
    """


@_hookspec
def lsr_arrayapi_families() -> list[type]:  # type: ignore[empty-body]
    """Return GLM family classes (see :class:`lsr_arrayapi.families.base.Family`)."""


@_hookspec
def lsr_arrayapi_retractions() -> list[type]:  # type: ignore[empty-body]
    """Return retraction classes (see :class:`lsr_arrayapi.linalg.retractions.Retraction`)."""


@_hookspec
def lsr_arrayapi_solvers() -> list[type]:  # type: ignore[empty-body]
    """Return solver classes (see :class:`lsr_arrayapi.solvers.base.Solver`); each name is a
    ``schedule=`` value."""


@_hookspec
def lsr_arrayapi_starts() -> list[type]:  # type: ignore[empty-body]
    """Return start classes (see :class:`lsr_arrayapi.starts.base.Start`); each name is an
    ``init=`` value."""
