"""Roofline ratio: one block update against two streaming passes over X.

``python -m lsr_arrayapi.bench roofline [--backends numpy torch] [--n 2000]``
times, in one process, (a) outer iterations of the solver (median of several,
after a warm-up) and (b) the two matrix-vector products a block update needs
(``X_flat @ v`` and ``r @ X_flat``), and prints the ratio
``(seconds per iteration / blocks per iteration) / seconds per pass pair``.
Gauss-Seidel has ``S K + 1`` blocks per iteration (every factor, then the core);
Jacobi's, L-BFGS's and ALS's iterations are reported against their own pass
counts (2 pass pairs; 1, the gradient's and the accepted trial's; 2 single
``project`` passes for the memoized ALS sweep, else K + 1).  A second,
untimed fit of 3 iterations gives the peak memory beyond X (:func:`peak_beyond_x`).
``--whole-fit`` times whole default fits by stage instead (:mod:`lsr_arrayapi.bench.stages`).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import warnings
from typing import Any

import numpy as np

from lsr_arrayapi._argtypes import (
    UsageError,
    add_count_argument,
    add_dtype_argument,
    add_problem_arguments,
    add_rules_argument,
    add_schedules_argument,
    usage_errors,
)
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.parameters import check_sizes
from lsr_arrayapi.plugins import get_solver_class
from lsr_arrayapi.reproduce.cli import backend_name
from lsr_arrayapi.solvers.alternating import memo_split


def _namespace(name: str, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any, Any]:
    if name == "numpy":
        return X, y, lambda: None
    if name.startswith("torch"):
        import torch

        device = name.split(":")[1] if ":" in name else "cpu"
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        return torch.asarray(X, device=device), torch.asarray(y, device=device), sync
    if name == "cupy":
        import cupy

        return cupy.asarray(X), cupy.asarray(y), cupy.cuda.get_current_stream().synchronize
    raise ValueError(name)


def _median_time(fn: Any, sync: Any, repeat: int) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def pass_pairs(schedule: str, S: int, K: int, memoized: bool = False) -> float:
    """Pass pairs per outer iteration: Gauss-Seidel one per block (S K + 1), Jacobi 2
    (factors, then the core), L-BFGS 1; ALS 2 or K + 1 single ``project`` passes
    (memoized or not; each a skinny product, not a matrix-vector product)."""
    if schedule == "als":
        return (2 if memoized else K + 1) / 2
    return {"gauss_seidel": S * K + 1, "jacobi": 2, "lbfgs": 1}[schedule]


def _fit(X: Any, y: Any, rank: int, S: int, rule: Any, schedule: str, max_iter: int) -> Any:
    """``max_iter`` iterations from a random start, no tolerance, warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_lsr(
            X,
            y,
            ranks=rank,
            separation_rank=S,
            rule=rule,
            init="random",
            random_state=0,
            max_iter=max_iter,
            tol=0.0,
            schedule=schedule,
        )


def peak_beyond_x(backend: str, fit: Any) -> float | None:
    """MiB allocated at the peak of ``fit()`` beyond what was live before it.

    NumPy: ``tracemalloc`` (NumPy reports its buffers to it); CUDA torch: the
    allocator's peak statistic; CuPy: growth of the default memory pool (it
    keeps freed blocks, so this bounds the peak from above).  None for torch
    on the CPU, whose allocations no Python-level tracer sees.
    """
    if backend == "numpy":
        import tracemalloc

        tracemalloc.start()
        try:
            fit()
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()
    if backend == "torch:cuda":
        import torch

        torch.cuda.synchronize()
        before = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        fit()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    if backend == "cupy":
        import cupy

        pool = cupy.get_default_memory_pool()
        before = pool.total_bytes()
        fit()
        cupy.cuda.get_current_stream().synchronize()
        return (pool.total_bytes() - before) / 2**20
    return None


def check_problem(args: argparse.Namespace) -> None:
    """Usage errors for ``--shape``, ``--rank`` and ``--separation-rank`` before any data
    is drawn (the checks of ``fit_lsr``)."""
    if len(args.shape) < 2:
        raise UsageError(f"argument --shape: needs K >= 2 sizes d_1 ... d_K, got {args.shape}")
    with usage_errors("--rank"):
        check_sizes(args.rank, tuple(args.shape), 1)
    with usage_errors("--separation-rank"):
        check_sizes(args.rank, tuple(args.shape), args.separation_rank)


def run(args: argparse.Namespace) -> int:
    if args.whole_fit:
        from lsr_arrayapi.bench.stages import print_stages

        print_stages(args.backends, _namespace)
        return 0
    check_problem(args)
    rng = np.random.default_rng(0)
    shape = tuple(args.shape)
    dtype = np.float32 if args.dtype == "float32" else np.float64
    X_host = rng.standard_normal((args.n, *shape), dtype=np.float64).astype(dtype)
    y_host = rng.standard_normal(args.n).astype(dtype)
    S, K = args.separation_rank, len(shape)
    print(
        f"n = {args.n}, d = {shape}, ranks {args.rank}, S = {S}, {args.dtype}; "
        f"X is {X_host.nbytes / 2**20:.0f} MiB"
    )
    print(
        "| backend | rule | schedule | s / iteration | s / pass pair | ratio per block update "
        "| peak MiB beyond X (3 iterations) |"
    )
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends:
        X, y, sync = _namespace(backend, X_host, y_host)
        flat = X.reshape(args.n, -1)
        v = flat[0] * 0 + 1
        r = y * 0 + 1

        def pass_pair(flat: Any = flat, v: Any = v, r: Any = r) -> None:
            _ = flat @ v
            _ = r @ flat

        pair = _median_time(pass_pair, sync, args.repeat)
        memoized = memo_split(InMemoryDesign(X), (args.rank,) * K, S) is not None
        for schedule in args.schedules:
            # a solver that takes no rule (L-BFGS) is timed once
            takes_rule = "rule" in get_solver_class(schedule)().uses(S)
            for rule in args.rules if takes_rule else [None]:
                fit = functools.partial(_fit, X, y, args.rank, S, rule, schedule)
                timed = fit(args.repeat + 1)
                sync()
                peak = peak_beyond_x(backend, functools.partial(fit, 3))
                per_iteration = statistics.median(np.diff(timed.history["time"])[1:])
                pairs = pass_pairs(schedule, S, K, memoized)
                print(
                    f"| {backend} | {rule or '-'} | {schedule} | {per_iteration:.4f} | {pair:.4f} "
                    f"| {per_iteration / pairs / pair:.2f} "
                    f"| {'n/a' if peak is None else f'{peak:.2f}'} |",
                    flush=True,
                )
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("roofline", help=__doc__.splitlines()[0])
    add_problem_arguments(parser, n=2000, separation_rank=2)
    add_dtype_argument(parser, default="float32")
    parser.add_argument(
        "--backends",
        nargs="+",
        type=backend_name,
        default=["numpy", "torch:cpu"],
        help="numpy, torch:cpu, torch:cuda or cupy (default: numpy torch:cpu)",
    )
    add_rules_argument(
        parser,
        default=["qr", "polar", "muon", "randomized_polar"],
        help="update rules of the rule-driven schedules",
    )
    add_schedules_argument(parser, help="schedules to time")
    add_count_argument(
        parser, "--repeat", default=5, help="timed iterations and pass pairs (median)"
    )
    parser.add_argument(
        "--whole-fit",
        action="store_true",
        help="instead: the whole default fit on the paper's settings and the peers problems, "
        "passes and seconds by stage (lsr_arrayapi.bench.stages)",
    )
    parser.set_defaults(run=run)
