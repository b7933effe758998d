"""``python -m lsr_arrayapi.bench {rules,coldstart,schedule,roofline,peers,scaling,scaleout} [options]``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lsr_arrayapi.bench")
    commands = parser.add_subparsers(dest="command", required=True)
    from lsr_arrayapi.bench import coldstart, peers, roofline, rules, scaleout, scaling, schedule

    rules.add_parser(commands)
    coldstart.add_parser(commands)
    schedule.add_parser(commands)
    roofline.add_parser(commands)
    peers.add_parser(commands)
    scaling.add_parser(commands)
    scaleout.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
