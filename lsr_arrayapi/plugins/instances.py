"""Objects from registered names: rules (with their options checked) and families."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lsr_arrayapi.plugins.manager import get_family_class, get_rule_class
from lsr_arrayapi.rules.contract import checked_rule


def make_rule(rule: str | Any, rule_options: Mapping[str, Any] | None, rng: Any) -> Any:
    """Instantiate a rule by name (or pass an instance through), checking option names.

    A rule that is not built in runs behind :func:`~lsr_arrayapi.rules.contract.checked_rule`.
    """
    options = dict(rule_options or {})
    if not isinstance(rule, str):
        if options:
            raise ValueError("rule_options only apply when rule is given by name")
        return checked_rule(rule)
    cls = get_rule_class(rule)
    parameters = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    unknown = sorted(set(options) - set(parameters) - {"random_state"})
    if unknown and not takes_any:
        accepted = sorted(p for p in parameters if p != "random_state")
        raise ValueError(
            f"rule_options: unknown option(s) {unknown} for rule {rule!r}; accepted: {accepted}"
        )
    if "random_state" in parameters and "random_state" not in options:
        options["random_state"] = rng
    return checked_rule(cls(**options))


def make_family(family: str | Any) -> Any:
    return get_family_class(family)() if isinstance(family, str) else family
