"""Command line: ``lsr-arrayapi demo`` and ``lsr-arrayapi reproduce NAME``
(also ``python -m lsr_arrayapi ...``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


def demo(args: argparse.Namespace) -> int:
    """A small fit on the paper's synthetic Gaussian problem; prints NEE, loss and time."""
    import warnings

    from lsr_arrayapi import fit_lsr
    from lsr_arrayapi.datasets import make_lsr_problem
    from lsr_arrayapi.metrics import nee

    S = args.separation_rank
    problem = make_lsr_problem(
        args.n_samples, family=args.family, separation_rank=S, random_state=args.seed
    )
    print(
        f"lsr_arrayapi demo: {args.family} family, X of shape {tuple(problem.X.shape)}, "
        f"ranks (2, 2, 2), S = {S}, rule {args.rule!r}"
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        fit = fit_lsr(
            problem.X, problem.y, ranks=(2, 2, 2), separation_rank=S, family=args.family,
            rule=args.rule, random_state=args.seed,
        )  # fmt: skip
    seconds = time.perf_counter() - start
    print(f"start       {fit.history['time'][0]:.2f} s (init='lift': Tucker fit, core split, lift)")
    print(f"iterations  {fit.n_iter} after the start (converged: {fit.converged})")
    print(f"final loss  {fit.history['loss'][-1]:.6g}")
    print(f"NEE         {nee(fit.coef, problem.coef):.4f}   (||B_hat - B||_F / ||B||_F)")
    print(f"time        {seconds:.2f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lsr-arrayapi", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="fit a small synthetic problem")
    demo_parser.add_argument(
        "--family", default="gaussian", choices=["gaussian", "logistic", "poisson"]
    )
    demo_parser.add_argument(
        "--rule", default=None, help="update rule (default: the automatic schedule's own steps)"
    )
    demo_parser.add_argument("--n-samples", type=int, default=500)
    demo_parser.add_argument("--separation-rank", type=int, default=2)
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.set_defaults(run=demo)
    from lsr_arrayapi.reproduce.cli import add_parser

    add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
