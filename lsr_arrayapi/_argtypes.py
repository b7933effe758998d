"""argparse ``type=`` checks shared by the command lines: a bad value is a usage error.

``parser.add_argument("--n", type=int_at_least(1))`` makes ``--n -5`` print the
usage line and ``argument --n: must be an integer >= 1, got '-5'`` (exit 2)
instead of a traceback from deep inside a fit.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A ``type=`` that accepts integers ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {minimum}"  # argparse names the type in some messages
    return parse


positive_int = int_at_least(1)
seed_int = int_at_least(0)  # numpy's SeedSequence takes non-negative integers


def rule_name(text: str) -> str:
    """A ``type=`` that accepts the name of a registered update rule (plugins included)."""
    from lsr_arrayapi.plugins import available_rules

    rules = available_rules()
    if text not in rules:
        raise argparse.ArgumentTypeError(f"unknown rule {text!r}; available: {', '.join(rules)}")
    return text
