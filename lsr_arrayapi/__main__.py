"""Command line: ``lsr-arrayapi demo`` and ``lsr-arrayapi reproduce NAME``
(also ``python -m lsr_arrayapi ...``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from lsr_arrayapi._argtypes import int_at_least, positive_int, rule_name, seed_int


def demo(args: argparse.Namespace) -> int:
    """A small fit on the paper's synthetic problem; prints what runs, NEE, loss and time."""
    import warnings

    from lsr_arrayapi import fit_lsr
    from lsr_arrayapi._argtypes import usage_errors
    from lsr_arrayapi.data.datasets import make_lsr_problem
    from lsr_arrayapi.metrics import nee

    S = args.separation_rank
    with usage_errors("--separation-rank"):  # S too large for the problem's shape
        problem = make_lsr_problem(
            args.n_samples, family=args.family, separation_rank=S, random_state=args.seed
        )
    print(
        f"lsr_arrayapi demo: {args.family} family, X of shape {tuple(problem.X.shape)}, "
        f"ranks (2, 2, 2), S = {S}, {steps(problem.X, args.family, S, args.rule)}"
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        fit = fit_lsr(
            problem.X,
            problem.y,
            ranks=(2, 2, 2),
            separation_rank=S,
            family=args.family,
            rule=args.rule,
            random_state=args.seed,
        )
    seconds = time.perf_counter() - start
    print(f"start       {fit.history['time'][0]:.2f} s (init='lift': Tucker fit, core split, lift)")
    print(f"iterations  {fit.n_iter} after the start (converged: {fit.converged})")
    print(f"final loss  {fit.history['loss'][-1]:.6g}")
    print(f"NEE         {nee(fit.coef, problem.coef):.4f}   (||B_hat - B||_F / ||B||_F)")
    print(f"time        {seconds:.2f} s")
    return 0


def steps(X: Any, family: str, S: int, rule: str | None) -> str:
    """What ``fit_lsr(X, ..., rule=rule)`` runs, in words (the demo's header line)."""
    if rule is not None:
        return f"rule {rule!r} in the Gauss-Seidel schedule"
    from lsr_arrayapi.plugins.instances import make_family
    from lsr_arrayapi.solvers.choose import auto_solver
    from lsr_arrayapi.validation import check_design

    solver = auto_solver(check_design(X)[1], make_family(family), S)
    return f"automatic schedule ({SCHEDULE_NAMES.get(solver.name, solver.name)})"


SCHEDULE_NAMES = {"als": "alternating least squares", "lbfgs": "Riemannian L-BFGS"}
DESCRIPTION = (
    "lsr_arrayapi command line: a demo fit and the LSRTR-M paper's experiments. "
    "The same commands run as python -m lsr_arrayapi; the benchmarks behind the "
    "documentation's tables are python -m lsr_arrayapi.bench."
)


def build_parser() -> argparse.ArgumentParser:
    """The ``lsr-arrayapi`` parser: ``demo`` and ``reproduce``."""
    parser = argparse.ArgumentParser(prog="lsr-arrayapi", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo",
        help="fit a small synthetic problem",
        description="Fit the paper's synthetic problem (shape (10, 15, 20), ranks (2, 2, 2)) "
        "with the default start; print the time, iterations, final loss and NEE.",
    )
    demo_parser.add_argument(
        "--family",
        default="gaussian",
        choices=["gaussian", "logistic", "poisson"],
        help="GLM family of the synthetic responses (default: gaussian)",
    )
    demo_parser.add_argument(
        "--rule",
        default=None,
        type=rule_name,
        help="update rule, e.g. qr, polar, muon, randomized_polar or a plugin's "
        "(default: none, the automatic schedule)",
    )
    demo_parser.add_argument(
        "--n-samples", type=int_at_least(2), default=500, help="number of samples (default: 500)"
    )
    demo_parser.add_argument(
        "--separation-rank",
        type=positive_int,
        default=2,
        help="separation rank S of the truth and of the fit (default: 2)",
    )
    demo_parser.add_argument(
        "--seed", type=seed_int, default=0, help="seed of the data and of the fit (default: 0)"
    )
    demo_parser.set_defaults(run=demo)
    from lsr_arrayapi.reproduce.cli import add_parser

    add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from lsr_arrayapi._argtypes import run_command

    parser = build_parser()
    return run_command(parser, parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
