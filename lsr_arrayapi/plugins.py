"""The plugin manager: built-ins first, then entry points (group ``lsr_arrayapi``).

Set ``LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD=1`` to skip third-party entry
points (as pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pluggy

from lsr_arrayapi import _builtin_plugin, hookspecs

ENTRY_POINT_GROUP = hookspecs.PROJECT


@cache
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager (created on first use, entry points loaded once)."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(_builtin_plugin, name="lsr_arrayapi.builtin")
    if not os.environ.get("LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD"):
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    manager.check_pending()
    return manager


def register_plugin(plugin: Any, name: str | None = None) -> str:
    """Register a module or object with ``@hookimpl`` functions; returns its name."""
    manager = get_plugin_manager()
    registered = manager.register(plugin, name=name)
    if registered is None:
        raise ValueError(f"plugin {plugin!r} is blocked")
    _registry.cache_clear()
    try:
        manager.check_pending()
        _registry("rules")  # surface duplicate names now, at registration
        _registry("families")
    except Exception:
        unregister_plugin(plugin)
        raise
    return registered


def unregister_plugin(plugin: Any = None, name: str | None = None) -> None:
    """Undo :func:`register_plugin` (by object or name)."""
    get_plugin_manager().unregister(plugin=plugin, name=name)
    _registry.cache_clear()


_SINGULAR = {"rules": "rule", "families": "family"}


@cache
def _registry(kind: str) -> dict[str, type]:
    hook = get_plugin_manager().hook
    caller = hook.lsr_arrayapi_update_rules if kind == "rules" else hook.lsr_arrayapi_families
    found: dict[str, type] = {}
    # pluggy calls the last-registered plugin first; walk in registration order
    # so a later plugin's ``replace = True`` overrides an earlier class.
    for classes in reversed(caller()):
        for cls in classes:
            name = getattr(cls, "name", None)
            if not isinstance(name, str) or not name:
                raise TypeError(f"{_SINGULAR[kind]} class {cls!r} has no string attribute 'name'")
            if name in found and found[name] is not cls and not getattr(cls, "replace", False):
                raise ValueError(
                    f"{_SINGULAR[kind]} name {name!r} is registered twice ({found[name]!r} and {cls!r}); "
                    "set the class attribute replace = True to override"
                )
            found[name] = cls
    return found


def available_rules() -> list[str]:
    """Names of the registered update rules."""
    return sorted(_registry("rules"))


def available_families() -> list[str]:
    """Names of the registered GLM families."""
    return sorted(_registry("families"))


def get_rule_class(name: str) -> type:
    return _lookup("rules", name)


def get_family_class(name: str) -> type:
    return _lookup("families", name)


def _lookup(kind: str, name: str) -> type:
    table = _registry(kind)
    if name not in table:
        raise ValueError(f"unknown {_SINGULAR[kind]} {name!r}; available: {sorted(table)}")
    return table[name]
