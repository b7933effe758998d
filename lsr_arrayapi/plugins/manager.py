"""The plugin manager: built-ins first, then entry points (group ``lsr_arrayapi``).

Set ``LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD=1`` to skip third-party entry
points (as pytest's ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``).

Faults stay with the plugin that has them:

* one lock guards registration and the name tables, so threads may register,
  unregister and look up concurrently;
* every plugin is checked when it is registered: it must be a module or an
  instance (not a class) whose hooks return classes with a string ``name``
  and the protocol's methods, contributing at least one class, and a name
  already taken -- a built-in's included -- needs ``replace = True``;
* :func:`register_plugin` raises for a plugin that fails the check; an
  entry point that fails it (or fails to import) is skipped with a
  :class:`~lsr_arrayapi.exceptions.PluginWarning` naming it, and the
  built-ins and every other plugin keep working.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import threading
import warnings
from typing import Any

import pluggy

from lsr_arrayapi.exceptions import PluginWarning
from lsr_arrayapi.plugins import hookspecs

ENTRY_POINT_GROUP = hookspecs.PROJECT
DISABLE_AUTOLOAD = "LSR_ARRAYAPI_DISABLE_PLUGIN_AUTOLOAD"

_SINGULAR = {
    "rules": "rule",
    "families": "family",
    "retractions": "retraction",
    "solvers": "solver",
    "starts": "start",
}
_HOOKS = {
    "rules": "lsr_arrayapi_update_rules",
    "families": "lsr_arrayapi_families",
    "retractions": "lsr_arrayapi_retractions",
    "solvers": "lsr_arrayapi_solvers",
    "starts": "lsr_arrayapi_starts",
}
#: the methods a registered class must have
_PROTOCOL = {
    "rules": ("init_state", "step"),
    "families": ("validate", "mean", "loss", "grad"),
    "retractions": ("retract",),
    "solvers": ("uses", "init", "iterate"),
    "starts": ("fit",),
}

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_tables: dict[str, dict[str, type]] = {}  # kind -> name -> class, rebuilt after each change


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager (created on first use, entry points loaded once)."""
    global _manager
    with _lock:
        if _manager is None:
            manager = pluggy.PluginManager(hookspecs.PROJECT)
            manager.add_hookspecs(hookspecs)
            # loaded on first use, like the entry points (the built-in solvers use the registry)
            from lsr_arrayapi.plugins import builtin

            manager.register(builtin, name="lsr_arrayapi.builtin")
            _manager = manager  # a plugin that looks up the registry while loading sees this one
            if not os.environ.get(DISABLE_AUTOLOAD):
                _load_entry_points(manager)
            manager.check_pending()
        return _manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    """Register each entry point of the group on its own; a faulty one is skipped, warned."""
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
            continue
        try:
            _register_checked(manager, entry_point.load(), entry_point.name)
        except Exception as exc:
            warnings.warn(
                f"lsr_arrayapi plugin entry point {entry_point.name!r} ({entry_point.value}) "
                f"is skipped: {type(exc).__name__}: {exc}. The built-ins "
                f"and other plugins still work; set {DISABLE_AUTOLOAD}=1 to load no entry points",
                PluginWarning,
                stacklevel=2,
            )


def _register_checked(manager: pluggy.PluginManager, plugin: Any, name: str | None) -> str:
    """Register ``plugin`` and rebuild the name tables; undo and raise if anything is wrong."""
    label = repr(name) if name else repr(plugin)
    if plugin is None:
        raise TypeError("register_plugin needs a module or an object with @hookimpl functions")
    if inspect.isclass(plugin):
        raise TypeError(
            f"plugin {label} is the class {plugin.__name__}; register an instance "
            f"({plugin.__name__}()) or a module with @hookimpl functions"
        )
    try:
        registered = manager.register(plugin, name=name)
    except Exception:  # pluggy may have registered part of it before finding the fault
        if manager.is_registered(plugin):
            manager.unregister(plugin)
        raise
    if registered is None:
        raise ValueError(f"plugin {label} is blocked")
    try:
        manager.check_pending()
        tables = {kind: _build(manager, kind) for kind in _HOOKS}
        contributed = [_contributions(manager, plugin, kind) for kind in _HOOKS]
        if not any(contributed):
            raise ValueError(
                f"plugin {label} registers nothing: it has no @hookimpl "
                f"{' or '.join(_HOOKS.values())} returning classes (a module that holds a "
                "plugin class needs an instance: point at module:instance)"
            )
    except Exception:
        manager.unregister(plugin)
        raise
    _tables.clear()
    _tables.update(tables)
    return registered


def _contributions(manager: pluggy.PluginManager, plugin: Any, kind: str) -> list[type]:
    return [
        cls
        for impl in _impls(manager, kind)
        if impl.plugin is plugin
        for cls in _classes(impl, kind)
    ]


def _impls(manager: pluggy.PluginManager, kind: str) -> list[Any]:
    """The hook implementations of ``kind`` in registration order, wrappers left out
    (they wrap the others' calls and contribute no classes)."""
    hook = getattr(manager.hook, _HOOKS[kind])
    return [impl for impl in hook.get_hookimpls() if not (impl.hookwrapper or impl.wrapper)]


def _classes(impl: Any, kind: str) -> list[type]:
    """One plugin's classes of ``kind``, each checked for a name and the protocol's methods."""
    try:
        classes = list(impl.function())
    except Exception as exc:
        raise TypeError(
            f"plugin {impl.plugin_name!r}: {_HOOKS[kind]}() failed or returned no list "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    for cls in classes:
        if not inspect.isclass(cls):
            raise TypeError(
                f"plugin {impl.plugin_name!r}: {_HOOKS[kind]}() returned the instance {cls!r}; "
                f"return the class ({type(cls).__name__}), which the library instantiates"
            )
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(f"{_SINGULAR[kind]} class {cls!r} has no string attribute 'name'")
        missing = [m for m in _PROTOCOL[kind] if not callable(getattr(cls, m, None))]
        if missing:
            raise TypeError(f"{_SINGULAR[kind]} class {cls!r} lacks the methods {missing}")
    return classes


def _build(manager: pluggy.PluginManager, kind: str) -> dict[str, type]:
    found: dict[str, type] = {}
    # registration order, so a later plugin's ``replace = True`` overrides an earlier class
    for impl in _impls(manager, kind):
        for cls in _classes(impl, kind):
            name = cls.name  # type: ignore[attr-defined]
            if name in found and found[name] is not cls and not getattr(cls, "replace", False):
                raise ValueError(
                    f"{_SINGULAR[kind]} name {name!r} is registered twice ({found[name]!r} and {cls!r}); "
                    "set the class attribute replace = True to override"
                )
            found[name] = cls
    return found


def register_plugin(plugin: Any, name: str | None = None) -> str:
    """Register a module or object with ``@hookimpl`` functions; returns its name.

    Raises (and leaves the registry as it was) for a plugin that fails the
    checks of the module docstring.
    """
    with _lock:
        return _register_checked(get_plugin_manager(), plugin, name)


def unregister_plugin(plugin: Any = None, name: str | None = None) -> None:
    """Undo :func:`register_plugin` (by object or name); raises for one not registered."""
    if plugin is None and name is None:
        raise TypeError("unregister_plugin needs the plugin or its name")
    with _lock:
        manager = get_plugin_manager()
        known = plugin if plugin is not None else manager.get_plugin(str(name))
        if known is None or not manager.is_registered(known):
            what = f"named {name!r}" if plugin is None else repr(plugin)
            raise ValueError(f"no plugin {what} is registered")
        manager.unregister(plugin=plugin, name=name)
        _tables.clear()


def _registry(kind: str) -> dict[str, type]:
    with _lock:
        if kind not in _tables:
            _tables[kind] = _build(get_plugin_manager(), kind)
        return _tables[kind]


def available_rules() -> list[str]:
    """Names of the registered update rules."""
    return sorted(_registry("rules"))


def available_families() -> list[str]:
    """Names of the registered GLM families."""
    return sorted(_registry("families"))


def available_retractions() -> list[str]:
    """Names of the registered retractions."""
    return sorted(_registry("retractions"))


def available_solvers() -> list[str]:
    """Names of the registered solvers (``schedule=`` values besides ``"auto"``)."""
    return sorted(_registry("solvers"))


def available_starts() -> list[str]:
    """Names of the registered starts (``init=`` values besides a warm start)."""
    return sorted(_registry("starts"))


def get_start_class(name: str) -> type:
    return _lookup("starts", name)


def get_rule_class(name: str) -> type:
    return _lookup("rules", name)


def get_family_class(name: str) -> type:
    return _lookup("families", name)


def get_retraction_class(name: str) -> type:
    return _lookup("retractions", name)


def get_solver_class(name: str) -> type:
    return _lookup("solvers", name)


def _lookup(kind: str, name: str) -> type:
    table = _registry(kind)
    if name not in table:
        raise ValueError(f"unknown {_SINGULAR[kind]} {name!r}; available: {sorted(table)}")
    return table[name]
