"""Plugins: the hook specifications, the built-in plugin and the registry that loads them."""

from lsr_arrayapi.plugins.manager import (
    DISABLE_AUTOLOAD,
    ENTRY_POINT_GROUP,
    available_families,
    available_retractions,
    available_rules,
    available_solvers,
    available_starts,
    get_family_class,
    get_plugin_manager,
    get_retraction_class,
    get_rule_class,
    get_solver_class,
    get_start_class,
    register_plugin,
    unregister_plugin,
)

__all__ = [
    "DISABLE_AUTOLOAD",
    "ENTRY_POINT_GROUP",
    "available_families",
    "available_retractions",
    "available_rules",
    "available_solvers",
    "available_starts",
    "get_family_class",
    "get_plugin_manager",
    "get_retraction_class",
    "get_rule_class",
    "get_solver_class",
    "get_start_class",
    "register_plugin",
    "unregister_plugin",
]
