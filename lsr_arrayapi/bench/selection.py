"""Rank selection by BIC: how often it picks the true (ranks, S), and what the grid costs.

``python -m lsr_arrayapi.bench selection [--seeds 5]`` draws problems of shape
(6, 7, 8) with true ranks (2, 2, 2) and S = 1 or 2 for each family, runs
:func:`~lsr_arrayapi.select_ranks` over ranks 1-3 and S 1-2, and prints the
share of seeds that select the truth and the grid's seconds against fitting
every candidate from a cold start.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

from sklearn.base import clone

from lsr_arrayapi._argtypes import add_count_argument
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import LSRClassifier, LSRPoissonRegressor, LSRRegressor
from lsr_arrayapi.selection import select_ranks

ESTIMATORS = {"gaussian": LSRRegressor, "logistic": LSRClassifier, "poisson": LSRPoissonRegressor}
#: (family, n) settings
SETTINGS = [("gaussian", 1000), ("logistic", 3000), ("poisson", 1000)]
RANKS, SEPARATION_RANKS = (1, 2, 3), (1, 2)


def run(args: Any) -> int:
    print("| family | n | true S | truth selected | grid s / cold-start candidates s (median) |")
    print("|---|---|---|---|---|")
    for family, n in SETTINGS:
        for true_S in SEPARATION_RANKS:
            hits, ratios = 0, []
            for seed in range(args.seeds):
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
                    began = time.perf_counter()
                    for S in SEPARATION_RANKS:
                        for r in RANKS:
                            clone(model).set_params(ranks=r, separation_rank=S).fit(p.X, p.y)
                    cold = time.perf_counter() - began
                hits += best.core_.shape == (2, 2, 2) and len(best.factors_) == true_S
                ratios.append(grid / cold)
            print(f"| {family} | {n} | {true_S} | {hits}/{args.seeds} "
                  f"| {statistics.median(ratios):.2f} |")  # fmt: skip
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("selection", help=__doc__.splitlines()[0])
    add_count_argument(parser, "--seeds", default=5, help="seeds per setting (default: 5)")
    parser.set_defaults(run=run)
