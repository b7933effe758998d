"""Side by side with TensorLy and scikit-learn on the same data, in one run.

``python -m lsr_arrayapi.bench peers`` (needs ``pip install "lsr_arrayapi[peers]"``):

1. TensorLy's ``TuckerRegressor`` on a Gaussian S = 1 problem: TensorLy runs
   to its own convergence; lsr_arrayapi (default start included) runs until its
   NEE is no worse than TensorLy's.  The ratio is TensorLy seconds / ours, each
   the median of ``--repeat`` runs after a warm-up.
2. scikit-learn's ``Ridge``, ``LogisticRegression`` and ``PoissonRegressor`` on
   the vectorized samples of S = 2 problems at the paper's sizes and at a small
   n: NEE of the coefficient, a test-set score, and seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np

from lsr_arrayapi._argtypes import add_count_argument, int_at_least, seed_int
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.estimators import LSRClassifier, LSRPoissonRegressor, LSRRegressor
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import nee
from lsr_arrayapi.plugins import available_solvers


def tensorly_race(
    n: int, seed: int, schedule: str = "auto", repeat: int = 5, init: str = "lift"
) -> tuple[float, float, float, float]:
    """(TensorLy NEE, its seconds, our NEE, our seconds to reach it): medians of ``repeat`` runs."""
    from tensorly.regression.tucker_regression import TuckerRegressor

    p = make_lsr_problem(n, separation_rank=1, random_state=seed)
    X, y, truth = np.asarray(p.X), np.asarray(p.y), np.asarray(p.coef)

    def peer() -> Any:
        model = TuckerRegressor(
            weight_ranks=[2, 2, 2], reg_W=1e-6, n_iter_max=100, tol=1e-6, random_state=seed,
            verbose=0,
        )  # fmt: skip
        return model.fit(X, y)

    peer_seconds, model = _median_time(peer, repeat)
    peer_nee = nee(np.asarray(model.weight_tensor_), truth)

    def ours() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fit_lsr(
                X, y, ranks=2, random_state=seed, max_iter=500, schedule=schedule, init=init,
                callback=lambda _, fit: nee(fit.coef, truth) <= peer_nee,
            )  # fmt: skip

    our_seconds, fit = _median_time(ours, repeat)
    return peer_nee, peer_seconds, nee(fit.coef, truth), our_seconds


def _median_time(run: Any, repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls of ``run()`` (after one warm-up) and its result."""
    result = run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def sklearn_row(family: str, n: int, n_test: int, seed: int, schedule: str = "auto") -> list[str]:
    from sklearn.linear_model import LogisticRegression, PoissonRegressor, Ridge

    p = make_lsr_problem(n + n_test, family=family, random_state=seed)
    X, y, truth = np.asarray(p.X), np.asarray(p.y), np.asarray(p.coef)
    train, test = slice(0, n), slice(n, None)
    flat = X.reshape(len(X), -1)
    peers = {
        "gaussian": (Ridge(alpha=1.0), LSRRegressor),
        "logistic": (LogisticRegression(C=1.0, max_iter=2000), LSRClassifier),
        "poisson": (PoissonRegressor(alpha=1e-3, max_iter=2000), LSRPoissonRegressor),
    }
    peer, ours_cls = peers[family]
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began = time.perf_counter()
        peer.fit(flat[train], y[train])
        seconds = time.perf_counter() - began
        score = peer.score(flat[test], y[test])
        rows.append(
            (
                type(peer).__name__,
                nee(np.asarray(peer.coef_).reshape(truth.shape), truth),
                score,
                seconds,
            )
        )
        began = time.perf_counter()
        ours = ours_cls(ranks=2, separation_rank=2, random_state=seed, schedule=schedule)
        ours = ours.fit(X[train], y[train])
        seconds = time.perf_counter() - began
        rows.append(
            (ours_cls.__name__, nee(ours.coef_, truth), ours.score(X[test], y[test]), seconds)
        )
    return [f"| {family} | {n} | {name} | {e:.3f} | {s:.3f} | {t:.2f} |" for name, e, s, t in rows]


def run(args: argparse.Namespace) -> int:
    print(
        "TensorLy TuckerRegressor vs lsr_arrayapi (Gaussian, S = 1, (10, 15, 20), ranks 2; "
        f"schedule {args.schedule!r}, init {args.init!r})\n"
    )
    print("| n | TensorLy NEE | TensorLy s | ours NEE | ours s (to TensorLy's NEE) | speed-up |")
    print("|---|---|---|---|---|---|")
    for n in args.tensorly_n:
        peer_nee, peer_s, our_nee, our_s = tensorly_race(
            n, args.seed, args.schedule, args.repeat, args.init
        )
        print(
            f"| {n} | {peer_nee:.4f} | {peer_s:.2f} | {our_nee:.4f} | {our_s:.2f} | {peer_s / our_s:.1f}x |",
            flush=True,
        )
    print("\nscikit-learn on vectorized samples vs lsr_arrayapi (S = 2 truth, (10, 15, 20))\n")
    print("| family | n train | model | NEE | test score | seconds |")
    print("|---|---|---|---|---|---|")
    for family, n, n_test in [
        ("gaussian", 500, 100), ("logistic", 1000, 5000), ("logistic", 20000, 10000),
        ("poisson", 1000, 1000), ("poisson", 5000, 1000),
    ]:  # fmt: skip
        for line in sklearn_row(family, n, n_test, args.seed, args.schedule):
            print(line, flush=True)
    print("\nscores: R^2 (gaussian), accuracy (logistic), D^2 (poisson)")
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("peers", help=__doc__.splitlines()[0])
    parser.add_argument(
        "--tensorly-n",
        type=int_at_least(2),
        nargs="+",
        default=[500, 2000],
        help="sample sizes of the TensorLy race (default: 500 2000)",
    )
    parser.add_argument(
        "--seed", type=seed_int, default=0, help="seed of data and fits (default: 0)"
    )
    parser.add_argument(
        "--schedule",
        default="auto",
        choices=["auto", *available_solvers()],
        help="lsr_arrayapi's schedule",
    )
    parser.add_argument(
        "--init",
        default="lift",
        choices=["lift", "spectral", "random"],
        help="lsr_arrayapi's start ('spectral': one start, as TensorLy)",
    )
    add_count_argument(parser, "--repeat", default=5, help="runs per timing (median)")
    parser.set_defaults(run=run)
