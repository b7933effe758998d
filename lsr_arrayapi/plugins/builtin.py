"""The built-in rules, families, retractions, solvers and starts, registered through the
public hooks like any plugin."""

from __future__ import annotations

from lsr_arrayapi.families import BUILTIN_FAMILIES
from lsr_arrayapi.linalg.retractions import BUILTIN_RETRACTIONS
from lsr_arrayapi.plugins.hookspecs import hookimpl
from lsr_arrayapi.rules import BUILTIN_RULES
from lsr_arrayapi.solvers import BUILTIN_SOLVERS
from lsr_arrayapi.starts import BUILTIN_STARTS


@hookimpl
def lsr_arrayapi_update_rules() -> list[type]:
    return list(BUILTIN_RULES)


@hookimpl
def lsr_arrayapi_families() -> list[type]:
    return list(BUILTIN_FAMILIES)


@hookimpl
def lsr_arrayapi_retractions() -> list[type]:
    return list(BUILTIN_RETRACTIONS)


@hookimpl
def lsr_arrayapi_solvers() -> list[type]:
    return list(BUILTIN_SOLVERS)


@hookimpl
def lsr_arrayapi_starts() -> list[type]:
    return list(BUILTIN_STARTS)
