"""Compare update rules and their options: NEE and seconds at equal iterations, same start.

``python -m lsr_arrayapi.bench rules [--seeds 3] [--iters 20]`` prints a Markdown
table per family on the paper's synthetic shape (m = (10, 15, 20), r = (2, 2, 2),
S = 2), every method started from the same start per seed (``--start``: the
paper's truth + 0.1 by default, or a library strategy).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

from lsr_arrayapi._argtypes import add_count_argument, positive_int
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.reproduce.paper import paper_warm_start

#: name -> (rule, rule_options)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "qr": ("qr", {}),
    "polar": ("polar", {}),
    "muon (default)": ("muon", {}),
    "muon m=0": ("muon", {"momentum": 0.0}),
    "muon m=0.2": ("muon", {"momentum": 0.2}),
    "muon m=0.9": ("muon", {"momentum": 0.9}),
    "muon nesterov": ("muon", {"nesterov": True}),
    "muon svd": ("muon", {"orthogonalizer": "svd"}),
    "muon ns-muon5": ("muon", {"ns_coefficients": "muon", "ns_steps": 5}),
    "muon retract=qr": ("muon", {"retract": "qr"}),
    "randomized_polar": ("randomized_polar", {}),
}
SIZES = {"gaussian": 500, "logistic": 5000, "poisson": 2000}


def run(args: argparse.Namespace) -> int:
    names = args.variants or list(VARIANTS)
    for family in args.families:
        rows: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for seed in range(args.seeds):
            p = make_lsr_problem(SIZES[family], family=family, random_state=seed)
            if args.start == "paper":
                start: Any = paper_warm_start(p, random_state=seed)
            else:
                start = fit_lsr(
                    p.X, p.y, ranks=2, separation_rank=2, family=family, max_iter=0,
                    init=args.start, random_state=seed,
                )  # fmt: skip
            for name in names:
                rule, options = VARIANTS[name]
                began = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fit = fit_lsr(
                        p.X, p.y, ranks=2, separation_rank=2, family=family, rule=rule,
                        rule_options=options, init=start, max_iter=args.iters, tol=0.0,
                    )  # fmt: skip
                rows[name].append((nee(fit.coef, p.coef), time.perf_counter() - began))
        print(
            f"\n{family}, n = {SIZES[family]}, {args.iters} iterations, {args.seeds} seeds, "
            f"start: {args.start}\n"
        )
        print("| method | mean NEE | median NEE | seconds |")
        print("|---|---|---|---|")
        for name in names:
            errors = [e for e, _ in rows[name]]
            seconds = statistics.mean(t for _, t in rows[name])
            print(
                f"| {name} | {statistics.mean(errors):.4f} | {statistics.median(errors):.4f} | {seconds:.2f} |"
            )
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("rules", help=__doc__.splitlines()[0])
    add_count_argument(parser, "--seeds", default=3, help="seeds per family (default: 3)")
    parser.add_argument(
        "--iters", type=positive_int, default=20, help="iterations of every method (default: 20)"
    )
    parser.add_argument(
        "--families",
        nargs="+",
        default=["gaussian", "logistic", "poisson"],
        choices=["gaussian", "logistic", "poisson"],
        help="GLM families (default: all three)",
    )
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), help="rules and options (default: all)"
    )
    parser.add_argument(
        "--start", default="paper", choices=["paper", "lift", "spectral", "random"],
        help="common start: the paper's truth + 0.1 (default) or a library strategy",
    )  # fmt: skip
    parser.set_defaults(run=run)
