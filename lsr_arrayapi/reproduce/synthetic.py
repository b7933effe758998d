"""Run a synthetic experiment: trials x methods, one tidy record per iteration."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from lsr_arrayapi.data.datasets import (
    PAPER_RANKS,
    PAPER_SEPARATION_RANK,
    PAPER_SHAPE,
    make_lsr_problem,
    split_test,
)
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import nee, prediction_error
from lsr_arrayapi.reproduce.experiments import Experiment, Method, returned_run
from lsr_arrayapi.reproduce.paper import paper_warm_start
from lsr_arrayapi.reproduce.quirks import fit_fig7_lsrtr, sampled_label_error

Record = dict[str, Any]


def run_synthetic(
    experiment: Experiment,
    methods: list[Method],
    *,
    xp: Any,
    dtype: Any,
    device: Any = None,
    seed: int = 2025,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> list[Record]:
    """Every trial draws a new truth, data and start; every method fits the same ones.

    Returns records with ``experiment, n_train, trial, method, iteration,
    seconds, loss, nee, nee_squared, npe`` (+ ``npe_sampled`` for the Fig 7
    sweep).  ``seconds`` counts from the start of the fit (the start itself
    included: the cold start's cost shows at iteration 0).
    """
    sizes = experiment.sizes or (experiment.n_train,)
    jobs = [(n, trial) for n in sizes for trial in range(experiment.trials)]
    records: list[Record] = []
    for n_train, trial in progress(jobs):
        rng_seed = seed + 1000 * trial + n_train
        problem = make_lsr_problem(
            n_train + experiment.n_test, sample_shape=PAPER_SHAPE, ranks=PAPER_RANKS,
            separation_rank=PAPER_SEPARATION_RANK, family=experiment.family,
            random_state=rng_seed, xp=xp, dtype=dtype, device=device,
        )  # fmt: skip
        train, X_test, y_test = split_test(problem, experiment.n_test)
        start = paper_warm_start(train, random_state=rng_seed + 1)
        for method in methods:
            steps, diverged = _fit(experiment, method, train, start, rng_seed)
            run = {"experiment": experiment.name, "n_train": n_train, "trial": trial,
                   "method": method.label}  # fmt: skip
            for iteration, (coef, loss, seconds) in enumerate(steps, start=1):
                eta_test = xp.tensordot(X_test, coef, axes=coef.ndim)
                record = {
                    **run, "iteration": iteration, "seconds": seconds, "loss": loss,
                    "nee": nee(coef, train.coef),
                    "npe": prediction_error(experiment.family, eta_test, y_test),
                    "diverged": False,
                }  # fmt: skip
                if experiment.quirk == "fig7_residual":
                    record["npe_sampled"] = sampled_label_error(eta_test, y_test, rng_seed)
                records.append(record)
            if diverged:  # as the authors' code would: NaN for the rest of the budget
                last = records[-1] if steps else {"seconds": math.nan}
                for iteration in range(len(steps) + 1, method.options["max_iter"] + 1):
                    records.append({
                        **run, **{key: math.nan for key in ("loss", "nee", "npe", "npe_sampled")},
                        "iteration": iteration, "seconds": last["seconds"], "diverged": True,
                    })  # fmt: skip
    for record in records:
        record["nee_squared"] = record["nee"] ** 2
    return records


def _fit(
    experiment: Experiment, method: Method, train: Any, start: Any, seed: int
) -> tuple[list[tuple[Any, float, float]], bool]:
    """Fit one method: ``(coef, loss, seconds)`` after every iteration, and whether the
    fixed-step fit diverged (the solver raises ``FloatingPointError``)."""
    runs: list[list[tuple[Any, float, float]]] = []  # the cold start may run several fits

    def keep(iteration: int, fit: Any) -> None:
        if iteration == 1:
            runs.append([])
        runs[-1].append((fit.coef, fit.history["loss"][-1], fit.history["time"][-1]))

    options = dict(method.options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fixed budgets end "unconverged" by design
        try:
            if experiment.quirk == "fig7_residual" and method.label == "LSRTR (unsigned QR)":
                fit = fit_fig7_lsrtr(
                    train.X, train.y, start, options["lr"], options["max_iter"], keep
                )
            else:
                fit = fit_lsr(
                    train.X, train.y, ranks=PAPER_RANKS, separation_rank=PAPER_SEPARATION_RANK,
                    family=experiment.family, init=start if method.warm else "lift",
                    random_state=seed, callback=keep, **options,
                )  # fmt: skip
        except FloatingPointError:
            return (runs[-1] if runs else []), True
    if not runs:
        return [], False
    return runs[returned_run([[loss for _, loss, _ in run] for run in runs], fit)], False


def final_records(records: list[Record]) -> list[Record]:
    """The last iteration of every (n_train, trial, method) run."""
    last: dict[tuple[Any, ...], Record] = {}
    for record in records:
        last[(record["n_train"], record["trial"], record["method"])] = record
    return list(last.values())


def fig10_filter(records: list[Record]) -> list[Record]:
    """The authors' Fig 10 averaging: LSRTR-M trials count only if their final NEE^2 < 0.1;
    the other methods' trials are dropped only when NaN (diverged)."""
    dropped = {
        (r["n_train"], r["trial"], r["method"])
        for r in final_records(records)
        if math.isnan(r["nee_squared"])
        or (r["method"].startswith("LSRTR-M") and not r["nee_squared"] < 0.1)
    }
    return [r for r in records if (r["n_train"], r["trial"], r["method"]) not in dropped]
