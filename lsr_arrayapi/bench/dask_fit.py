"""The whole default fit on a Dask X against the same fit in memory.

``python -m lsr_arrayapi.bench scaleout --whole-fit`` fits, in one run and on
the same data (float64, about 130 MB of X, 8 chunks along the samples):

* the NumPy array itself;
* the same X as a persisted Dask array on Dask's threaded scheduler;
* with ``--cluster``, the same X persisted on a ``LocalCluster`` (2 workers of
  one thread each).

Each fit is the default one (cold start included) from the same
``random_state``; the best of ``--repeat`` runs is kept.  The table gives
the seconds, the ratio to NumPy, the passes over X and the Dask overhead per
pass, ``t_dask / passes_dask - t_numpy / passes_numpy`` (the seconds per pass
beyond the in-memory fit's; where the pass counts differ, as on a cluster
without the memoized ALS sweep, the passes are of different kinds).  The run fails if a Dask fit ends at a
loss more than ``1e-6`` (relative) away from the in-memory one.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from lsr_arrayapi.bench.stages import WholeFitSetting
from lsr_arrayapi.data.dask_design import DaskDesign
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.fit import fit_lsr

CHUNKS = 8
LOSS_RTOL = 1e-6


def _fit(setting: WholeFitSetting, design: Any, y: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the comparison is the point, not the warnings
        return fit_lsr(
            design, y, family=setting.family, ranks=setting.ranks, separation_rank=setting.S,
            random_state=0,
        )  # fmt: skip


SETTINGS = (
    WholeFitSetting("Gaussian S = 1, 4000 × 16³, ranks 3", "gaussian", 4000, (16, 16, 16), 3, 1),
    WholeFitSetting("logistic S = 2, 4000 × 16³, ranks 2", "logistic", 4000, (16, 16, 16), 2, 2),
)


def _best_fit(
    make_design: Callable[[], Any], setting: WholeFitSetting, y: Any, repeat: int
) -> tuple[float, Any, int]:
    """(seconds, fit, passes) of the fastest of ``repeat`` default fits."""
    best: tuple[float, Any, int] | None = None
    for _ in range(repeat):
        design = make_design()
        began = time.perf_counter()
        fit = _fit(setting, design, y)
        seconds = time.perf_counter() - began
        if best is None or seconds < best[0]:
            best = (seconds, fit, design.passes)
    assert best is not None
    return best


def _persisted(X: np.ndarray, client: Any = None) -> Any:
    """X in ``CHUNKS`` chunks: in this process, or scattered to ``client``'s workers."""
    import dask.array as da

    rows = -(-X.shape[0] // CHUNKS)
    if client is None:
        return da.from_array(X, chunks=(rows, *X.shape[1:])).persist(scheduler="threads")
    import distributed

    blocks = [X[start : start + rows] for start in range(0, X.shape[0], rows)]
    futures = client.scatter(blocks)  # not through the graph: X is too large for one message
    lazy = [
        da.from_delayed(f, b.shape, dtype=b.dtype) for f, b in zip(futures, blocks, strict=True)
    ]
    X_lazy = client.persist(da.concatenate(lazy, axis=0))
    distributed.wait(X_lazy)  # every chunk on a worker before the clock starts
    return X_lazy


def whole_fit_rows(
    cluster: bool, repeat: int, settings: tuple[WholeFitSetting, ...] = SETTINGS
) -> tuple[list[tuple[str, ...]], list[str]]:
    """The table's rows and any failures (a Dask fit at another loss)."""
    import dask

    rows: list[tuple[str, ...]] = []
    failures: list[str] = []
    for setting in settings:
        problem = setting.problem()
        X = problem.X
        memory = _best_fit(functools.partial(InMemoryDesign, X), setting, problem.y, repeat)
        runs = [("NumPy", memory)]
        with dask.config.set(scheduler="threads"):
            lazy = _persisted(X)
            threads = _best_fit(functools.partial(DaskDesign, lazy), setting, problem.y, repeat)
            runs.append(("Dask threads", threads))
        if cluster:
            runs.append(("Dask LocalCluster", _on_local_cluster(setting, problem, repeat)))
        reference = memory[1].history["loss"][-1]
        for name, (seconds, fit, passes) in runs:
            gap = abs(fit.history["loss"][-1] - reference) / abs(reference)
            if gap > LOSS_RTOL:
                failures.append(f"{setting.name}, {name}: loss {gap:.1e} away from NumPy's")
            overhead = (seconds / passes - memory[0] / memory[2]) * 1e3
            rows.append((
                setting.name, name, f"{seconds:.2f}", f"{seconds / memory[0]:.2f}", str(passes),
                "–" if name == "NumPy" else f"{overhead:.1f}",
            ))  # fmt: skip
    return rows, failures


def _on_local_cluster(setting: WholeFitSetting, problem: Any, repeat: int) -> Any:
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        lazy = _persisted(problem.X, client)
        return _best_fit(functools.partial(DaskDesign, lazy), setting, problem.y, repeat)


def print_whole_fit(cluster: bool, repeat: int) -> int:
    """Print the table (see the module docstring); 1 if a Dask fit disagreed."""
    rows, failures = whole_fit_rows(cluster, repeat)
    print(f"default fit, best of {repeat}; X float64, {CHUNKS} chunks, persisted")
    print("| setting | X as | seconds | / NumPy | passes | Dask overhead, ms / pass |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0
