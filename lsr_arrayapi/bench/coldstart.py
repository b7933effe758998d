"""Cold-start success rates: does the default start reach the maximum-likelihood fit?

``python -m lsr_arrayapi.bench coldstart [--quick] [--only NAME]`` prints, per
setting and start strategy, how many seeds reach the oracle's training loss
(to a relative 1e-6), on how many of the failures and of the successes ``fit``
issued a ``StartWarning`` (:mod:`lsr_arrayapi.starts.lack_of_fit`), how many end
within 1.3x of the oracle's NEE, the oracle's own NEE, and the wall time
relative to the library's default fit started at the truth (warm).  The
oracle is the same model fitted from the *truth* and run to convergence
(Gauss-Seidel with the exact-polar rule, then L-BFGS to ``tol=1e-10``): the
maximum-likelihood fit nearest the truth.  (Stopped after a fixed number of
iterations instead, a fit from the truth can score a better NEE than the
maximum-likelihood estimate: early stopping near the truth regularizes.)
Every method gets the same ``max_iter`` (``--paper-budgets``: the paper's
settings at its budgets, 40 / 30 / 20).  The ``small n`` settings
(``--only "small n"``) are the paper's shape at n = 200, 300, 400 and the
other shapes at 1x and 2x their parameter count.  ``--quick`` runs the CI
subset and exits non-zero unless every seed of the default start succeeds.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
import warnings
from dataclasses import dataclass
from typing import Any

from lsr_arrayapi._argtypes import UsageError, add_count_argument, nothing_matches
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.plugins import available_starts
from lsr_arrayapi.starts.lack_of_fit import StartWarning

SUCCESS_RATIO = 1.3
#: The oracle's polish: L-BFGS from its Gauss-Seidel fit until the coefficients settle.
ORACLE_TOL, ORACLE_MAX_ITER = 1e-10, 5000
#: A start "reaches" the oracle's loss when within this relative margin of it.
LOSS_MARGIN = 1e-6


@dataclass(frozen=True)
class Setting:
    name: str
    family: str
    n: int
    shape: tuple[int, ...]
    ranks: tuple[int, ...]
    S: int
    seeds: int
    max_iter: int


SETTINGS = [
    Setting("paper linear", "gaussian", 500, (10, 15, 20), (2, 2, 2), 2, 40, 300),
    Setting("paper logistic", "logistic", 20000, (10, 15, 20), (2, 2, 2), 2, 10, 300),
    Setting("paper poisson", "poisson", 5000, (10, 15, 20), (2, 2, 2), 2, 40, 300),
    Setting("(8,9,10)/(2,3,2) gaussian", "gaussian", 1500, (8, 9, 10), (2, 3, 2), 2, 40, 300),
    Setting("(8,9,10)/(2,3,2) logistic", "logistic", 1500, (8, 9, 10), (2, 3, 2), 2, 40, 300),
    Setting("(8,9,10)/(2,3,2) poisson", "poisson", 1500, (8, 9, 10), (2, 3, 2), 2, 40, 300),
    Setting("S=3 gaussian", "gaussian", 1500, (8, 9, 10), (2, 2, 2), 3, 40, 300),
    Setting("K=2 gaussian", "gaussian", 600, (20, 25), (3, 3), 2, 40, 300),
]
#: Small samples: the paper's shape at n = 200, 300, 400 (188 parameters), the other
#: shapes at n = 1x and 2x their parameter count ``S sum d_k r_k + prod r_k``.
SMALL_N = [
    Setting(f"small n {name}", family, n, shape, ranks, S, 12, 300)
    for name, family, shape, ranks, S, sizes in [
        ("paper linear", "gaussian", (10, 15, 20), (2, 2, 2), 2, (200, 300, 400)),
        ("(8,9,10)/(2,3,2) gaussian", "gaussian", (8, 9, 10), (2, 3, 2), 2, (140, 280)),
        ("(8,9,10)/(2,3,2) poisson", "poisson", (8, 9, 10), (2, 3, 2), 2, (140, 280)),
        ("S=3 gaussian", "gaussian", (8, 9, 10), (2, 2, 2), 3, (170, 340)),
        ("K=2 gaussian", "gaussian", (20, 25), (3, 3), 2, (280, 560)),
    ]
    for n in sizes
]
SETTINGS += SMALL_N
#: The paper's iteration budgets (its authors' code), for ``--paper-budgets``.
PAPER_BUDGETS = {"paper linear": 40, "paper logistic": 30, "paper poisson": 20}
QUICK = [
    Setting("quick (8,9,10)/(2,3,2) gaussian", "gaussian", 1500, (8, 9, 10), (2, 3, 2), 2, 4, 300)
]


def _fit(
    setting: Setting, problem: Any, init: Any, seed: int, **extra: Any
) -> tuple[Any, float, bool]:
    """(fit, seconds, whether it issued a StartWarning)."""
    began = time.perf_counter()
    options = {"max_iter": setting.max_iter, **extra}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_lsr(
            problem.X, problem.y, ranks=setting.ranks, separation_rank=setting.S,
            family=setting.family, init=init, random_state=seed, **options,
        )  # fmt: skip
    warned = any(issubclass(w.category, StartWarning) for w in caught)
    return fit, time.perf_counter() - began, warned


def oracle_fit(setting: Setting, problem: Any, seed: int) -> Any:
    """The maximum-likelihood fit nearest the truth, run to convergence."""
    first, _, _ = _fit(setting, problem, problem, seed, rule="polar", tol=1e-9)
    fit, _, _ = _fit(
        setting, problem, first, seed, schedule="lbfgs", tol=ORACLE_TOL, max_iter=ORACLE_MAX_ITER
    )
    return fit


def _loss(fit: Any) -> float:
    return float(fit.history["loss"][-1])


def run_setting(setting: Setting, methods: list[str], seeds: int) -> dict[str, Any]:
    rows: dict[str, Any] = {
        m: {"ratio": [], "reached": [], "warned": [], "warm": []} for m in methods
    }
    rows["oracle"] = []
    for seed in range(seeds):
        problem = make_lsr_problem(
            setting.n, sample_shape=setting.shape, ranks=setting.ranks,
            separation_rank=setting.S, family=setting.family, random_state=1000 + seed,
        )  # fmt: skip
        oracle = oracle_fit(setting, problem, seed)
        best = nee(oracle.coef, problem.coef)
        rows["oracle"].append(best)
        _, warm_time, _ = _fit(setting, problem, problem, seed)  # the default fit, from the truth
        for method in methods:
            fit, seconds, warned = _fit(setting, problem, method, seed)
            rows[method]["ratio"].append(nee(fit.coef, problem.coef) / best)
            margin = LOSS_MARGIN * abs(_loss(oracle))  # Poisson losses can be negative
            rows[method]["reached"].append(_loss(fit) <= _loss(oracle) + margin)
            rows[method]["warned"].append(warned)
            rows[method]["warm"].append(seconds / warm_time)
    return rows


def run(args: argparse.Namespace) -> int:
    names = [s.name for s in SETTINGS]
    if not args.quick and args.only and not any(args.only in name for name in names):
        raise nothing_matches("--only", args.only, names)
    settings = (
        QUICK
        if args.quick
        else [
            s
            for s in SETTINGS
            if (not args.only or args.only in s.name)
            and not (args.exclude and args.exclude in s.name)
        ]
    )
    if args.paper_budgets:  # the paper's settings at its iteration budgets
        settings = [
            dataclasses.replace(s, name=f"{s.name} max_iter={PAPER_BUDGETS[s.name]}",
                                max_iter=PAPER_BUDGETS[s.name])
            for s in settings if s.name in PAPER_BUDGETS
        ]  # fmt: skip
    if not settings:
        raise UsageError(
            f"no setting left: --exclude or --paper-budgets ({', '.join(PAPER_BUDGETS)}) "
            "removes every setting selected"
        )
    methods = ["lift"] if args.quick else args.methods
    print(
        "| setting | start | loss <= oracle's | StartWarning on failures / successes "
        "| NEE <= 1.3x oracle | median NEE / oracle | oracle NEE (median) "
        "| time / warm default fit (median) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for setting in settings:
        seeds = args.seeds or setting.seeds
        rows = run_setting(setting, methods, seeds)
        oracle_nee = statistics.median(rows["oracle"])
        for method in methods:
            ratios, reached, warned, warm = (
                rows[method][key] for key in ("ratio", "reached", "warned", "warm")
            )
            ok = [r <= SUCCESS_RATIO for r in ratios]
            wins = sum(ok)
            hits = sum(reached)
            alarms = [sum(w and r == good for w, r in zip(warned, reached, strict=True))
                      for good in (False, True)]  # fmt: skip
            failed |= method == "lift" and wins < len(ratios)
            print(
                f"| {setting.name} (n={setting.n}, S={setting.S}) | {method} "
                f"| {hits}/{len(reached)} | {alarms[0]}/{len(reached) - hits} / {alarms[1]}/{hits} "
                f"| {wins}/{len(ratios)} | {statistics.median(ratios):.3f} | {oracle_nee:.3f} "
                f"| {statistics.median(warm):.2f} |",
                flush=True,
            )
    return int(args.quick and failed)


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("coldstart", help=__doc__.splitlines()[0])
    q = QUICK[0]
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI check: the default start only, on one {q.family} setting (n = {q.n}, "
        f"d = {q.shape}, ranks {q.ranks}, S = {q.S}, {q.seeds} seeds); "
        "exit 1 unless every seed succeeds",
    )
    add_count_argument(
        parser, "--seeds", default=None, help="seeds per setting (default: each setting's own)"
    )
    parser.add_argument("--only", default=None, help="run the settings whose name contains this")
    parser.add_argument(
        "--exclude", default=None, help="skip the settings whose name contains this"
    )
    parser.add_argument(
        "--paper-budgets",
        action="store_true",
        help="the paper's settings with its max_iter (40 / 30 / 20) for every fit",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["lift", "spectral", "random"],
        choices=available_starts(),
        help="start strategies to compare (default: all three)",
    )
    parser.set_defaults(run=run)
