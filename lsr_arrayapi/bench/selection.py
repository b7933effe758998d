"""Rank selection by BIC: how often it picks the true (ranks, S), and what the grid costs.

``python -m lsr_arrayapi.bench selection [--seeds 5] [--only FAMILY [--n N]]
[--separation-rank S] [--skip-cost]`` draws
problems of shape (6, 7, 8) with true ranks (2, 2, 2) and S = 1 or 2 for each
family and n, runs :func:`~lsr_arrayapi.select_ranks` over ranks 1-3 and S
1-2, and prints the share of seeds that select the truth, what the misses
chose, and the grid's seconds against fitting every candidate from a cold start.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

from sklearn.base import clone

from lsr_arrayapi._argtypes import UsageError, add_count_argument
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import LSRClassifier, LSRPoissonRegressor, LSRRegressor
from lsr_arrayapi.selection import select_ranks

ESTIMATORS = {"gaussian": LSRRegressor, "logistic": LSRClassifier, "poisson": LSRPoissonRegressor}
#: (family, n) settings
SETTINGS = [
    ("gaussian", 1000),
    ("logistic", 3000),
    ("logistic", 10000),
    ("poisson", 1000),
    ("poisson", 3000),
]
RANKS, SEPARATION_RANKS = (1, 2, 3), (1, 2)


def run(args: Any) -> int:
    if args.n and args.only is None:
        raise UsageError(f"argument --n: needs --only, one of {', '.join(ESTIMATORS)}")
    print(
        "| family | n | true S | truth selected | misses chose | grid s / cold-start candidates s (median) |"
    )
    print("|---|---|---|---|---|---|")
    settings = [(args.only, args.n)] if args.n else SETTINGS
    for family, n in settings:
        if args.only and args.only != family:
            continue
        for true_S in SEPARATION_RANKS:
            if args.separation_rank not in (None, true_S):
                continue
            print(_row(family, n, true_S, args.seeds, cost=not args.skip_cost))
    return 0


def _row(family: str, n: int, true_S: int, seeds: int, *, cost: bool) -> str:
    """One table row: how often the grid picks the truth, and its cost against cold fits."""
    hits, ratios, misses = 0, [], []
    for seed in range(seeds):
        p = make_lsr_problem(n, sample_shape=(6, 7, 8), ranks=(2, 2, 2),
                             separation_rank=true_S, family=family,
                             random_state=100 + seed)  # fmt: skip
        model = ESTIMATORS[family](random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            began = time.perf_counter()
            best, _ = select_ranks(model, p.X, p.y, ranks=RANKS,
                                   separation_ranks=SEPARATION_RANKS)  # fmt: skip
            grid = time.perf_counter() - began
            if cost:
                began = time.perf_counter()
                for S in SEPARATION_RANKS:
                    for r in RANKS:
                        clone(model).set_params(ranks=r, separation_rank=S).fit(p.X, p.y)
                ratios.append(grid / (time.perf_counter() - began))
        chosen = (best.core_.shape[0], len(best.factors_))
        if chosen == (2, true_S) and best.core_.shape == (2, 2, 2):
            hits += 1
        else:
            misses.append(f"r {chosen[0]}, S {chosen[1]}")
    chose = "; ".join(f"{m} ×{misses.count(m)}" for m in sorted(set(misses))) or "–"
    ratio = f"{statistics.median(ratios):.2f}" if ratios else "–"
    return f"| {family} | {n} | {true_S} | {hits}/{seeds} | {chose} | {ratio} |"


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("selection", help=__doc__.splitlines()[0])
    add_count_argument(parser, "--seeds", default=5, help="seeds per setting (default: 5)")
    parser.add_argument("--only", default=None, choices=list(ESTIMATORS), help="one family's rows")
    add_count_argument(
        parser, "--n", default=None, help="with --only: this n instead of the table's"
    )
    parser.add_argument("--separation-rank", type=int, default=None, choices=SEPARATION_RANKS,
                        help="one true S's rows")  # fmt: skip
    parser.add_argument("--skip-cost", action="store_true", help="do not time the cold fits")
    parser.set_defaults(run=run)
