"""Schedules side by side: iterations and seconds until the optimization error is negligible.

``python -m lsr_arrayapi.bench schedule [--seeds 3] [--separation-rank S]``: on
the paper's synthetic settings (S = 2; other S with the same shapes and ranks),
from the paper's start (truth + 0.1), each rule and schedule runs
until its estimate is within 5% of the statistical error of the converged fit
``B_hat`` (a tight fit from the same start): ``||B_t - B_hat|| <= 0.05
||B_hat - B*||``.  (Measuring time to a NEE level instead is misleading from a
start near the truth: early iterates pass the level on their way.)  The table
gives median iterations and seconds and the ratio Gauss-Seidel / each other schedule.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from typing import Any

from lsr_arrayapi._argtypes import (
    add_count_argument,
    add_rules_argument,
    add_schedules_argument,
)
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.plugins import get_solver_class
from lsr_arrayapi.reproduce.paper import paper_warm_start

SETTINGS = {"gaussian": 500, "logistic": 5000, "poisson": 2000}


def time_to_target(
    problem: Any,
    family: str,
    start: Any,
    rule: str,
    schedule: str,
    best: Any,
    target: float,
    S: int = 2,
):
    """(iterations, seconds) until ``nee(B_t, best) <= target``; the check is not timed."""
    reached: list[int] = []

    def watch(iteration: int, fit: Any) -> bool:
        if nee(fit.coef, best) <= target:
            reached.append(iteration)
            return True
        return False

    fit = _quiet_fit(
        problem,
        family,
        S,
        rule=rule if _takes_rule(schedule, S) else None,
        init=start,
        schedule=schedule,
        max_iter=500,
        tol=0.0,
        callback=watch,
    )
    if not reached:
        return None, None
    return reached[0], fit.history["time"][reached[0]] - fit.history["time"][0]


def _quiet_fit(problem: Any, family: str, S: int, **options: Any) -> Any:
    """``fit_lsr`` on ``problem`` with ranks 2 and S terms, warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_lsr(problem.X, problem.y, ranks=2, separation_rank=S, family=family, **options)


def _takes_rule(schedule: str, S: int) -> bool:
    return "rule" in get_solver_class(schedule)().uses(S)


def run(args: argparse.Namespace) -> int:
    print(
        "| family | rule | schedule | median iterations | median seconds | GS / schedule seconds |"
    )
    print("|---|---|---|---|---|---|")
    for family, n in SETTINGS.items():
        rule_free: dict[str, float] = {}  # solvers without a rule: measured once per family
        S = args.separation_rank
        for rule in args.rules:
            schedules = [s for s in args.schedules if _takes_rule(s, S) or s not in rule_free]
            rows: dict[str, list[tuple[int, float]]] = {s: [] for s in schedules}
            for seed in range(args.seeds):
                problem = make_lsr_problem(
                    n, family=family, separation_rank=args.separation_rank, random_state=seed
                )
                start = paper_warm_start(problem, random_state=seed)
                best = _quiet_fit(
                    problem,
                    family,
                    args.separation_rank,
                    init=start,
                    rule="polar",
                    tol=1e-9,
                    max_iter=1000,
                )
                target = 0.05 * nee(best.coef, problem.coef)
                for schedule in rows:
                    iters, seconds = time_to_target(
                        problem,
                        family,
                        start,
                        rule,
                        schedule,
                        best.coef,
                        target,
                        args.separation_rank,
                    )
                    if iters is not None:
                        rows[schedule].append((iters, seconds))
            medians = {}
            for schedule, values in rows.items():
                if values:
                    medians[schedule] = statistics.median(t for _, t in values)
                    iters = statistics.median(i for i, _ in values)
                    print(
                        f"| {family} | {rule if _takes_rule(schedule, S) else '-'} | {schedule} "
                        f"| {iters:.0f} ({len(values)}/{args.seeds} reached) "
                        f"| {medians[schedule]:.3f} | |"
                    )
            rule_free.update({s: v for s, v in medians.items() if not _takes_rule(s, S)})
            medians = {**rule_free, **medians}  # GS with every rule against L-BFGS
            for other in medians:
                if other != "gauss_seidel" and "gauss_seidel" in medians:
                    ratio = medians["gauss_seidel"] / medians[other]
                    print(f"| {family} | {rule} | GS / {other} | | | {ratio:.2f} |")
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("schedule", help=__doc__.splitlines()[0])
    add_count_argument(parser, "--seeds", default=3, help="seeds per family (default: 3)")
    add_count_argument(
        parser, "--separation-rank", default=2, help="separation rank S (default: 2)"
    )
    add_rules_argument(
        parser,
        default=["muon", "qr"],
        help="update rules of the rule-driven schedules (default: muon qr)",
    )
    add_schedules_argument(parser, help="schedules to compare")
    parser.set_defaults(run=run)
