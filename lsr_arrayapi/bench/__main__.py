"""``python -m lsr_arrayapi.bench {rules,coldstart,coverage,multiclass,schedule,roofline,peers,scaling,scaleout,selection,syncs} [options]``."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m lsr_arrayapi.bench`` parser, one subcommand per measurement."""
    parser = argparse.ArgumentParser(
        prog="python -m lsr_arrayapi.bench",
        description="The measurements behind the documentation's tables; each command prints "
        "its table as Markdown.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    from lsr_arrayapi.bench import (
        coldstart,
        coverage,
        multiclass,
        peers,
        roofline,
        rules,
        scaleout,
        scaling,
        schedule,
        selection,
        syncs,
    )

    rules.add_parser(commands)
    coldstart.add_parser(commands)
    coverage.add_parser(commands)
    multiclass.add_parser(commands)
    schedule.add_parser(commands)
    roofline.add_parser(commands)
    peers.add_parser(commands)
    scaling.add_parser(commands)
    scaleout.add_parser(commands)
    selection.add_parser(commands)
    syncs.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from lsr_arrayapi._argtypes import run_command

    parser = build_parser()
    return run_command(parser, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
