"""The built-in rules and families, registered through the public hooks like any plugin."""

from __future__ import annotations

from lsr_arrayapi.families import BUILTIN_FAMILIES
from lsr_arrayapi.plugins.hookspecs import hookimpl
from lsr_arrayapi.rules import BUILTIN_RULES


@hookimpl
def lsr_arrayapi_update_rules() -> list[type]:
    return list(BUILTIN_RULES)


@hookimpl
def lsr_arrayapi_families() -> list[type]:
    return list(BUILTIN_FAMILIES)
