"""Plugins: the hook specifications, the built-in plugin and the registry that loads them."""

from lsr_arrayapi.plugins.manager import (
    available_families,
    available_rules,
    get_family_class,
    get_plugin_manager,
    get_rule_class,
    register_plugin,
    unregister_plugin,
)

__all__ = [
    "available_families",
    "available_rules",
    "get_family_class",
    "get_plugin_manager",
    "get_rule_class",
    "register_plugin",
    "unregister_plugin",
]
