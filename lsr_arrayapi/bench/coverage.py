"""Coverage of the coefficient intervals: how often nominal 0.95 intervals hold the truth.

``python -m lsr_arrayapi.bench coverage [--replicates 40] [--method fisher]
[--n-boot 200] [--only FAMILY] [--separation-rank S]``
fixes a true LSR coefficient (shape (6, 7, 8), ranks (2, 2, 2)) per family
and S, draws ``--replicates`` fresh data sets at n = 2, 5 and 10 times the
model's dimension, fits each from the default cold start and prints the
share of B's entries whose interval covers the true entry, the median
standard error against the entries' spread over the replicates, and the
interval's cost relative to the fit.
"""

from __future__ import annotations

import statistics
import time
import warnings
from typing import Any

import numpy as np

from lsr_arrayapi._argtypes import add_count_argument, int_at_least, nothing_matches
from lsr_arrayapi.data.datasets import true_lsr
from lsr_arrayapi.estimators import LSRTensorGLM
from lsr_arrayapi.plugins.instances import make_family
from lsr_arrayapi.starts.lack_of_fit import model_dimension

SHAPE, RANKS = (6, 7, 8), (2, 2, 2)
#: the Gaussian noise level, and the gamma family's coefficient of variation
NOISE = 0.1
#: (family, S, multiples of the model's dimension)
SETTINGS = [
    ("gaussian", 1, (2, 5, 10)),
    ("gaussian", 2, (2, 5, 10)),
    ("logistic", 1, (5, 10, 20)),
    ("poisson", 1, (2, 5, 10)),
    ("poisson", 2, (2, 5, 10)),
    ("gamma", 1, (2, 5, 10)),
]
FAMILIES = list(dict.fromkeys(family for family, _, _ in SETTINGS))


def coverage(
    family: str, S: int, n: int, replicates: int, method: str, n_boot: int = 200
) -> dict[str, float]:
    """Share of entries covered, median se / empirical sd, and interval seconds / fit seconds."""
    rng = np.random.default_rng(7)
    _, _, coef = true_lsr(SHAPE, RANKS, S, rng)
    family_obj = make_family(family)
    covered, estimates, stderrs, cost = [], [], [], []
    for replicate in range(replicates):
        X = rng.standard_normal((n, *SHAPE))
        y = np.asarray(family_obj.sample(X.reshape(n, -1) @ coef.reshape(-1), rng, NOISE), float)
        model = LSRTensorGLM(family, ranks=RANKS, separation_rank=S, random_state=replicate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            began = time.perf_counter()
            model.fit(X, y)
            fitted = time.perf_counter()
            lower, upper = model.coef_interval(
                X, y, method=method, n_boot=n_boot, random_state=replicate
            )
            done = time.perf_counter()
        covered.append(float(np.mean((lower <= coef) & (coef <= upper))))
        estimates.append(model.coef_)
        stderrs.append(np.median((upper - lower) / 2))
        cost.append((done - fitted) / (fitted - began))
    spread = np.median(np.std(np.stack(estimates), axis=0, ddof=1))
    return {
        "covered": statistics.mean(covered),
        "calibration": float(np.median(stderrs) / spread / 1.96),
        "cost": statistics.median(cost),
    }


def run(args: Any) -> int:
    settings = [(family, S, multiples) for family, S, multiples in SETTINGS
                if args.only in (None, family) and args.separation_rank in (None, S)]  # fmt: skip
    if not settings:  # --only is checked when parsed: this S is not among its settings
        names = [f"{family} S={S}" for family, S, _ in SETTINGS if args.only in (None, family)]
        raise nothing_matches("--separation-rank", args.separation_rank, names)
    boot = f", {args.n_boot} replicates each" if args.method == "bootstrap" else ""
    print(f"method: {args.method}{boot}, {args.replicates} data sets per row")
    print(
        "| family | S | n / n_params | n | covered (nominal 0.95) | half-width / 1.96 sd | interval s / fit s |"
    )
    print("|---|---|---|---|---|---|---|")
    for family, S, multiples in settings:
        p = model_dimension(SHAPE, RANKS, S) + 1
        for multiple in multiples:
            row = coverage(family, S, multiple * p, args.replicates, args.method, args.n_boot)
            print(f"| {family} | {S} | {multiple} | {multiple * p} | {row['covered']:.3f} "
                  f"| {row['calibration']:.2f} | {row['cost']:.2f} |")  # fmt: skip
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("coverage", help=__doc__.splitlines()[0])
    add_count_argument(parser, "--replicates", default=40, help="data sets per row (default: 40)")
    parser.add_argument("--method", choices=("fisher", "bootstrap"), default="fisher",
                        help="how the intervals are computed (default: fisher)")  # fmt: skip
    parser.add_argument("--n-boot", type=int_at_least(2), default=200,
                        help="bootstrap replicates (default: 200)")  # fmt: skip
    parser.add_argument("--only", default=None, choices=FAMILIES, help="one family's rows")
    add_count_argument(parser, "--separation-rank", default=None, help="one S's rows")
    parser.set_defaults(run=run)
