"""Time per outer iteration as n, d, S and r grow (one parameter at a time).

``python -m lsr_arrayapi.bench scaling [--schedule lbfgs] [--plot docs/img/scaling.png]``
prints a table of seconds per iteration and per pass pair (the same X), and
optionally plots them.  The base point is n = 2000, d = 28^3, ranks 3, S = 2,
float32, Gauss-Seidel with the qr rule (or the given schedule: Jacobi with qr,
L-BFGS); each sweep varies one of n (500-16000), d (16^3-48^3), S (1-4) and
r (2-8).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np

from lsr_arrayapi._argtypes import add_count_argument, writable_file
from lsr_arrayapi.bench.roofline import pass_pairs
from lsr_arrayapi.fit import fit_lsr

BASE = {"n": 2000, "d": 28, "S": 2, "r": 3}
SWEEPS = {
    "n": [500, 1000, 2000, 4000, 8000, 16000],
    "d": [16, 24, 32, 40, 48],
    "S": [1, 2, 3, 4],
    "r": [2, 4, 6, 8],
}


#: The schedules the sweep can time (ALS's passes are not matrix-vector products).
SCHEDULES = ("gauss_seidel", "jacobi", "lbfgs")


def measure(
    n: int, d: int, S: int, r: int, repeat: int, schedule: str = "gauss_seidel"
) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d, d, d), dtype=np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    flat = X.reshape(n, -1)
    v, w = np.ones(flat.shape[1], np.float32), np.ones(n, np.float32)
    pairs = []
    for _ in range(repeat):
        began = time.perf_counter()
        _ = flat @ v
        _ = w @ flat
        pairs.append(time.perf_counter() - began)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_lsr(X, y, ranks=r, separation_rank=S, init="random", random_state=0,
                      max_iter=repeat + 1, tol=0.0, schedule=schedule)  # fmt: skip
    per_iteration = statistics.median(np.diff(fit.history["time"])[1:])
    return per_iteration, statistics.median(pairs)


def run(args: argparse.Namespace) -> int:
    results: dict[str, list[tuple[int, float, float]]] = {}
    print(f"{args.schedule}: the last column divides by its pass pairs per iteration")
    print("| varied | value | s / iteration | s / pass pair | iteration / its pass pairs |")
    print("|---|---|---|---|---|")
    for name, values in SWEEPS.items():
        results[name] = []
        for value in values:
            point = {**BASE, name: value}
            seconds, pair = measure(
                point["n"], point["d"], point["S"], point["r"], args.repeat, args.schedule
            )
            ratio = seconds / (pass_pairs(args.schedule, point["S"], 3) * pair)
            results[name].append((value, seconds, pair))
            print(f"| {name} | {value} | {seconds:.4f} | {pair:.4f} | {ratio:.2f} |", flush=True)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
        labels = {"n": "n (samples)", "d": "d (per mode, D = d^3)", "S": "S", "r": "r (per mode)"}
        for ax, (name, rows) in zip(axes, results.items(), strict=True):
            xs = [v if name != "d" else v**3 for v, _, _ in rows]
            ax.plot(xs, [s for _, s, _ in rows], "o-", label="one outer iteration")
            ax.plot(xs, [p for _, _, p in rows], "s--", label="one pass pair")
            ax.set_xlabel(labels[name] if name != "d" else "D = d^3")
            ax.set_ylabel("seconds")
            if name in ("n", "d"):
                ax.set_xscale("log")
                ax.set_yscale("log")
        axes[0].legend(fontsize=8)
        fig.suptitle(f"lsr_arrayapi: time per iteration (NumPy, float32, {args.schedule})")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"\nplot written to {args.plot}")
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("scaling", help=__doc__.splitlines()[0])
    add_count_argument(
        parser, "--repeat", default=3, help="timed iterations and pass pairs (median)"
    )
    parser.add_argument(
        "--schedule", default="gauss_seidel", choices=SCHEDULES, help="(default: gauss_seidel)"
    )
    parser.add_argument("--plot", type=writable_file, default=None, help="write a PNG figure here")
    parser.set_defaults(run=run)
