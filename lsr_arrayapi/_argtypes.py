"""argparse ``type=`` checks shared by the command lines: a bad value is a usage error.

``parser.add_argument("--n", type=int_at_least(1))`` makes ``--n -5`` print the
usage line and ``argument --n: must be an integer >= 1, got '-5'`` (exit 2)
instead of a traceback from deep inside a fit.  Values that only the run's setup can
judge (sizes against a shape, paths, optional backends) are checked in
``with usage_errors("--opt"):`` blocks, and :func:`run_command` prints the
:class:`UsageError` they raise as the subcommand's usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any


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


def add_problem_arguments(parser: Any, *, n: int, separation_rank: int) -> None:
    """The synthetic problem's ``--n``, ``--shape``, ``--rank`` and ``--separation-rank``."""
    parser.add_argument("--n", type=int_at_least(2), default=n, help=f"samples (default: {n})")
    parser.add_argument(
        "--shape",
        type=positive_int,
        nargs="+",
        default=[28, 28, 28],
        help="sample shape d_1 ... d_K",
    )
    parser.add_argument("--rank", type=positive_int, default=3, help="every r_k (default: 3)")
    parser.add_argument(
        "--separation-rank",
        type=positive_int,
        default=separation_rank,
        help=f"separation rank S (default: {separation_rank})",
    )


def add_rules_argument(parser: Any, *, default: list[str], help: str) -> None:
    """``--rules``: registered update rules, checked when parsed."""
    parser.add_argument("--rules", nargs="+", type=rule_name, default=default, help=help)


def add_schedules_argument(parser: Any, *, help: str) -> None:
    """``--schedules``: registered solvers (default: the four built-ins)."""
    from lsr_arrayapi.plugins import available_solvers

    parser.add_argument(
        "--schedules",
        nargs="+",
        default=["gauss_seidel", "jacobi", "als", "lbfgs"],
        choices=available_solvers(),
        help=help,
    )


def add_count_argument(parser: Any, flag: str, *, default: int | None, help: str) -> None:
    """An option taking a positive int (``--seeds``, ``--repeat``, ...)."""
    parser.add_argument(flag, type=positive_int, default=default, help=help)


def add_dtype_argument(parser: Any, *, default: str) -> None:
    """``--dtype``: float32 or float64."""
    parser.add_argument(
        "--dtype",
        default=default,
        choices=["float32", "float64"],
        help=f"dtype of X (default: {default})",
    )


class UsageError(Exception):
    """A command-line value rejected after parsing; :func:`run_command` prints it as argparse
    prints a usage error (exit 2, no traceback)."""


@contextlib.contextmanager
def usage_errors(option: str | None = None) -> Iterator[None]:
    """Let the library's input errors raised in the block (a value out of range, a path, a
    missing optional backend) leave it as a :class:`UsageError` naming ``option``.

    Wrap only the setup that the options decide, not the run: a fault mid-run keeps
    its traceback.
    """
    try:
        yield
    except (ValueError, TypeError, OSError, ImportError) as exc:
        raise UsageError(f"argument {option}: {exc}" if option else str(exc)) from exc


def nothing_matches(option: str, value: Any, available: Iterable[str]) -> UsageError:
    """The error for a filter that selects nothing: it lists what there is."""
    return UsageError(
        f"argument {option}: nothing matches {value!r}; "
        f"available: {', '.join(dict.fromkeys(available))}"
    )


def run_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the parsed subcommand; a :class:`UsageError` exits as that subcommand's error."""
    try:
        return int(args.run(args) or 0)
    except UsageError as exc:
        (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        subparser: argparse.ArgumentParser = action.choices[args.command]
        subparser.error(str(exc))


def writable_folder(text: str) -> str:
    """argparse ``type=``: an existing folder this process may write to."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"no folder {text!r}")
    if not os.access(text, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write to the folder {text!r}")
    return text


def writable_file(text: str) -> str:
    """argparse ``type=``: a file to write, in an existing folder this process may write to
    (checked before a long run, not after it)."""
    try:
        writable_folder(os.path.dirname(text) or ".")
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {exc}") from None
    return text
