"""Real data: Vessel MNIST 3D (the paper's protocol) and scikit-learn's digits (K = 2)."""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lsr_arrayapi.families import Logistic
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.metrics import binary_report
from lsr_arrayapi.reproduce.experiments import Method, paper_methods, returned_run
from lsr_arrayapi.reproduce.report import write_records


@dataclass(frozen=True)
class VesselRun:
    """One of the paper's Vessel runs (settings from the authors' code)."""

    iterations: int
    alpha: float  # LSRTR factors and both cores
    alpha_m: float  # LSRTR-M factors
    momentum: float
    weight_decay: float
    threshold: float
    patience: int | None  # early stopping (balanced run only)
    min_iterations: int


VESSEL = {
    "unbalanced": VesselRun(30, 0.7, 0.08, 0.3, 5e-2, 0.3, None, 0),
    "balanced": VesselRun(50, 0.5, 0.07, 0.1, 1e-2, 0.5, 10, 15),
}
VESSEL_RANKS, VESSEL_S, VESSEL_TRIALS = (5, 5, 5), 3, 10


def vessel_methods(rules: tuple[str, ...], run: VesselRun) -> list[Method]:
    methods = []
    for method in paper_methods(rules, run.alpha, run.iterations):
        options = dict(method.options)
        if options.get("rule") == "muon":
            options["rule_options"] = {
                "preset": "paper", "lr": run.alpha_m, "momentum": run.momentum,
                "weight_decay": run.weight_decay,
            }  # fmt: skip
        if not method.warm:  # the library's own default, with an intercept (unbalanced classes)
            options["fit_intercept"] = True
        methods.append(Method(method.label, options, method.warm, method.views))
    return methods


def _balance(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[Any, Any]:
    """Subsample the majority class to the minority's size (the paper's recipe is not stated)."""
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    small, large = sorted((positives, negatives), key=len)
    keep = np.sort(np.concatenate([small, rng.choice(large, size=len(small), replace=False)]))
    return X[keep], y[keep]


def run_vessel(args: argparse.Namespace, folder: str) -> list[dict[str, Any]]:
    """Every method, every trial: metrics at each iteration, then the early-stopping choice."""
    from lsr_arrayapi.reproduce.vessel_data import load_vesselmnist3d

    if args.data is None:
        raise SystemExit("vessel needs --data PATH/vesselmnist3d.npz (MedMNIST, downloaded)")
    data = load_vesselmnist3d(args.data)
    run = VESSEL["balanced" if args.balanced else "unbalanced"]
    iterations = 5 if args.quick else run.iterations
    trials = args.trials or (1 if args.quick else VESSEL_TRIALS)
    methods = vessel_methods(tuple(args.rules), run)
    records = []
    for trial in range(trials):
        rng = np.random.default_rng(1200 + trial)
        X, y = data["train"]
        if args.balanced:
            X, y = _balance(X, y, rng)
        for method in methods:
            options = {**method.options, "max_iter": iterations}
            runs: list[_TrackedRun] = []  # the cold start may run several candidate fits

            def track(iteration: int, fit: Any, runs: list[_TrackedRun] = runs) -> bool:
                if iteration == 1:
                    runs.append(_TrackedRun(EarlyStopping(run.patience, run.min_iterations)))
                return runs[-1].update(fit, data, run.threshold, args.stop_on)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fit_lsr(
                    X, y.astype(float), ranks=VESSEL_RANKS, separation_rank=VESSEL_S,
                    family="logistic", init="random" if method.warm else "lift",
                    random_state=1200 + trial, callback=track, **options,
                )  # fmt: skip
            tracked = runs[returned_run([r.losses for r in runs], fit)]
            best = tracked.stopper.best
            proba = Logistic().mean(tracked.etas[best])
            records.append({
                "method": method.label, "trial": trial, "iteration": best + 1,
                "iterations_run": fit.n_iter, "stopped_on": args.stop_on,
                "seconds": fit.history["time"][best + 1],
                "test_error": tracked.errors["test"][best], "val_error": tracked.errors["val"][best],
                **binary_report(data["test"][1], proba, run.threshold),
            })  # fmt: skip
    write_records(records, folder, {"experiment": "vessel", **vars(run), "trials": trials})
    return records


@dataclass
class _TrackedRun:
    """One fit's per-iteration validation and test errors, losses and test-split predictors."""

    stopper: EarlyStopping
    errors: dict[str, list[float]] = field(default_factory=lambda: {"val": [], "test": []})
    etas: list[np.ndarray] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    def update(self, fit: Any, data: dict[str, Any], threshold: float, stop_on: str) -> bool:
        """Record iteration ``len(losses) + 1``; True when early stopping ends the fit."""
        coef = fit.coef
        for split in ("val", "test"):
            eta = np.tensordot(data[split][0], coef, coef.ndim) + fit.intercept
            labels = Logistic().mean(eta) > threshold
            self.errors[split].append(float(np.mean(labels != data[split][1])))
        self.etas.append(eta)  # the test split's
        self.losses.append(fit.history["loss"][-1])
        return self.stopper.update(self.errors[stop_on][-1])


class EarlyStopping:
    """The paper's rule on a monitored error: stop after ``patience`` iterations without
    improvement (``min_delta`` 0) once ``min_iterations`` have run, restore the best.
    ``patience=None``: never stop early, still restore the best."""

    def __init__(self, patience: int | None, min_iterations: int) -> None:
        self.patience, self.min_iterations = patience, min_iterations
        self.errors: list[float] = []
        self.best = 0

    def update(self, error: float) -> bool:
        """Record one iteration's error; True when the fit should stop."""
        self.errors.append(error)
        if error < self.errors[self.best]:
            self.best = len(self.errors) - 1
        waited = len(self.errors) - 1 - self.best
        return (
            self.patience is not None
            and waited >= self.patience
            and len(self.errors) >= self.min_iterations
        )


def run_digits(args: argparse.Namespace, folder: str) -> list[dict[str, Any]]:
    """Digits 0-4 vs 5-9 from scikit-learn's 8x8 images: LSRClassifier vs LogisticRegression."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from lsr_arrayapi import LSRClassifier

    images, digits = load_digits(return_X_y=True)
    X, y = images.reshape(-1, 8, 8) / 16.0, (digits >= 5).astype(int)
    trials = args.trials or (2 if args.quick else 10)
    models = {
        "LSRClassifier qr, ranks (3, 3), S = 2": lambda t: LSRClassifier(
            ranks=3, separation_rank=2, rule="qr", random_state=t),
        "LSRClassifier muon, ranks (3, 3), S = 2": lambda t: LSRClassifier(
            ranks=3, separation_rank=2, rule="muon", random_state=t),
        "LogisticRegression (64 pixels)": lambda t: LogisticRegression(max_iter=5000),
    }  # fmt: skip
    records = []
    for trial in range(trials):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=trial
        )
        for label, make in models.items():
            model = make(trial)
            flat = isinstance(model, LogisticRegression)
            began = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X_train.reshape(len(X_train), -1) if flat else X_train, y_train)
            seconds = time.perf_counter() - began
            proba = model.predict_proba(X_test.reshape(len(X_test), -1) if flat else X_test)[:, 1]
            records.append({
                "method": label, "trial": trial, "seconds": seconds,
                **binary_report(y_test, proba, 0.5),
            })  # fmt: skip
    write_records(records, folder, {"experiment": "digits", "trials": trials})
    return records


def real_summary(records: list[dict[str, Any]]) -> str:
    keys = [k for k in ("accuracy", "auc", "sensitivity", "specificity", "f1", "seconds",
                        "iteration") if k in records[0]]  # fmt: skip
    lines = ["| method | trials | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[r["method"]].append(r)
    for method, rows in groups.items():
        cells = [f"{np.mean([r[k] for r in rows]):.3g} ± {np.std([r[k] for r in rows]):.2g}"
                 for k in keys]  # fmt: skip
        lines.append(f"| {method} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_real(args: argparse.Namespace, folder: str) -> int:
    began = time.perf_counter()
    records = (run_vessel if args.name == "vessel" else run_digits)(args, folder)
    table = real_summary(records)
    header = f"# {args.name}: mean ± std over trials ({time.perf_counter() - began:.0f} s)"
    with open(os.path.join(folder, "summary.md"), "w") as handle:
        handle.write(f"{header}\n\n{table}\n")
    print(f"{header}\n\n{table}")
    return 0
