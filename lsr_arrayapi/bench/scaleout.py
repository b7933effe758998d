"""Out-of-core fit on a local Dask cluster against the in-memory roofline.

``python -m lsr_arrayapi.bench scaleout [--n 14000] [--memory-limit 300MiB]``
writes X (``n`` samples of ``--shape``, float32) to a ``.npy`` file block by
block, then, in one run:

* in memory (one process): the seconds of one pass pair (``X_flat @ v`` and
  ``r @ X_flat``) and of one outer Gauss-Seidel iteration of the solver
  (``2 (S K + 1)`` passes, so the two timings can be read against each other);
* on a ``LocalCluster`` with 1 and with 2 single-threaded workers whose memory
  limit is several times smaller than X (``open_npy``: each task reads its rows
  from the file): the same two timings through :class:`DaskDesign`;
* the seconds to read the file sequentially (64 MiB blocks), against which
  each row's bytes per second of pass are set.

``--whole-fit`` instead times the whole default fit on a persisted Dask X
against NumPy (:mod:`lsr_arrayapi.bench.dask_fit`).

It prints a table and the ratios, and fails if a worker died (a spilling or
memory failure) or the coefficients differ from the in-memory fit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from typing import Any

import numpy as np

from lsr_arrayapi._argtypes import (
    UsageError,
    add_problem_arguments,
    int_at_least,
    positive_int,
    writable_folder,
)
from lsr_arrayapi.bench.roofline import check_problem
from lsr_arrayapi.data.dask_design import DaskDesign
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.data.io import open_npy
from lsr_arrayapi.fit import fit_lsr


def byte_size(text: str) -> str:
    """argparse ``type=`` for ``--memory-limit``: a size that Dask reads (300MiB, 2GB)."""
    import dask.utils

    try:
        dask.utils.parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("scaleout", help="Dask out-of-core fit vs in-memory roofline")
    add_problem_arguments(parser, n=14000, separation_rank=1)
    parser.add_argument("--iters", type=int_at_least(2), default=3, help="outer iterations (>= 2)")
    parser.add_argument(
        "--memory-limit",
        type=byte_size,
        default="300MiB",
        help="memory limit of each Dask worker (default: 300MiB)",
    )
    parser.add_argument(
        "--chunk-rows", type=positive_int, default=250, help="samples per Dask chunk (default: 250)"
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        nargs="+",
        default=[1, 2],
        help="cluster sizes to time (default: 1 2)",
    )
    parser.add_argument(
        "--dir",
        type=writable_folder,
        default=None,
        help="folder for the .npy file (default: a tmp dir)",
    )
    parser.add_argument(
        "--whole-fit",
        action="store_true",
        help="instead: the whole default fit on a persisted Dask X against NumPy "
        "(lsr_arrayapi.bench.dask_fit)",
    )
    parser.add_argument(
        "--cluster", action="store_true", help="with --whole-fit: also on a 2-worker LocalCluster"
    )
    parser.add_argument(
        "--repeat", type=positive_int, default=3, help="with --whole-fit: best of (default: 3)"
    )
    parser.set_defaults(run=run)


def _write_npy(path: str, n: int, shape: tuple[int, ...], block: int = 1000) -> np.ndarray:
    """X ~ N(0, 1) written block by block; returns y from a rank-1 truth plus noise."""
    rng = np.random.default_rng(0)
    truth = np.einsum("i,j,k->ijk", *(rng.standard_normal(d) for d in shape[:3]))
    truth = truth.reshape(shape) / np.linalg.norm(truth)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, *shape))
    y = np.empty(n)
    for start in range(0, n, block):
        rows = rng.standard_normal((min(block, n - start), *shape), dtype=np.float32)
        X[start : start + len(rows)] = rows
        y[start : start + len(rows)] = np.tensordot(rows, truth, axes=len(shape))
    X.flush()
    del X
    return y + 0.1 * rng.standard_normal(n)


def _pass_pair_seconds(design: Any, repeat: int = 3) -> float:
    vector = np.ones(design.sample_shape, dtype=design.dtype)
    weights = np.ones(design.n_samples, dtype=design.dtype)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        design.adjoint(weights)
        design.forward(vector)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _read_seconds(path: str, block: int = 64 * 2**20, repeat: int = 3) -> float:
    """Median seconds to read the file sequentially in 64 MiB blocks."""
    buffer = bytearray(block)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        with open(path, "rb", buffering=0) as handle:
            while handle.readinto(buffer):
                pass
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def _fit(X: Any, y: np.ndarray, args: argparse.Namespace) -> tuple[float, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter is a timing budget, not convergence
        fit = fit_lsr(
            X, y, ranks=args.rank, separation_rank=args.separation_rank, init="spectral",
            max_iter=args.iters, tol=0.0, schedule="gauss_seidel",
        )  # fmt: skip
    return float(statistics.median(np.diff(fit.history["time"])[1:])), fit


def run(args: argparse.Namespace) -> int:
    import dask.utils
    import distributed

    if args.whole_fit:
        from lsr_arrayapi.bench.dask_fit import print_whole_fit

        return print_whole_fit(args.cluster, args.repeat)
    if len(args.shape) != 3:  # the truth of _write_npy is a 3-way tensor
        raise UsageError(f"argument --shape: scaleout needs 3 sizes d_1 d_2 d_3, got {args.shape}")
    check_problem(args)

    shape = tuple(args.shape)
    folder = args.dir or tempfile.mkdtemp(prefix="lsr_scaleout_")
    path = os.path.join(folder, "X.npy")
    y = _write_npy(path, args.n, shape)
    x_bytes = os.path.getsize(path)
    limit = dask.utils.parse_bytes(args.memory_limit)
    print(
        f"X: n = {args.n}, d = {shape}, float32, {x_bytes / 2**30:.2f} GiB on disk; "
        f"worker memory limit {args.memory_limit} (X is {x_bytes / limit:.1f}x that); "
        f"ranks {args.rank}, S = {args.separation_rank}, Gauss-Seidel, {args.iters} iterations"
    )
    X_memory = np.load(path)
    memory_pair = _pass_pair_seconds(InMemoryDesign(X_memory))
    memory_iteration, reference = _fit(X_memory, y, args)
    del X_memory
    rows = [("in memory, 1 process", memory_pair, memory_iteration)]
    failures = []
    for workers in args.workers:
        with distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            memory_limit=args.memory_limit, dashboard_address=None,
        ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
            X = open_npy(path, chunk_rows=args.chunk_rows)
            pair = _pass_pair_seconds(DaskDesign(X))
            iteration, fit = _fit(X, y, args)
            alive = len(client.scheduler_info()["workers"])
            if alive != workers:
                failures.append(f"{workers} workers started, {alive} alive at the end")
            change = np.linalg.norm(fit.coef - reference.coef) / np.linalg.norm(reference.coef)
            if not change < 1e-4:  # float32 sums in a different order
                failures.append(f"{workers} workers: coefficients differ by {change:.1e}")
        rows.append((f"Dask, {workers} worker(s)", pair, iteration))
    read = _read_seconds(path)
    read_rate = x_bytes / read / 1e9
    print(
        f"sequential read of the file: {read:.3f} s, {read_rate:.2f} GB/s "
        "(the page cache holds it when it fits in RAM)"
    )
    print(
        "| data | s / pass pair | s / iteration | pair vs in memory | iteration vs in memory "
        "| GB/s per pass | vs sequential read |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, pair, iteration in rows:
        per_pass = 2 * x_bytes / pair / 1e9
        print(
            f"| {name} | {pair:.3f} | {iteration:.2f} | {pair / memory_pair:.2f} "
            f"| {iteration / memory_iteration:.2f} | {per_pass:.2f} "
            f"| {per_pass / read_rate:.2f} |"
        )
    if len(rows) >= 3:
        print(f"1 worker / 2 workers, time per iteration: {rows[1][2] / rows[2][2]:.2f}")
    for failure in failures:
        print("FAILED:", failure)
    if not args.dir:
        os.remove(path)
        os.rmdir(folder)
    return 1 if failures else 0
