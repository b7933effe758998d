"""Outputs of a run: tidy CSV and JSON, matplotlib figures, a Markdown summary."""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from typing import Any

import numpy as np

from lsr_arrayapi.reproduce.synthetic import Record, final_records

METRICS = (("loss", "training loss"), ("nee_squared", "NEE² (paper)"), ("npe", "prediction error"))


def write_records(records: list[Record], folder: str, config: dict[str, Any]) -> None:
    """``records.csv`` (one row per iteration) and ``records.json`` (config + rows)."""
    os.makedirs(folder, exist_ok=True)
    columns = list(dict.fromkeys(key for record in records for key in record))
    with open(os.path.join(folder, "records.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)
    with open(os.path.join(folder, "records.json"), "w") as handle:
        json.dump({"config": config, "records": records}, handle, indent=1)


def _padded(records: list[Record], key: str) -> dict[tuple[str, int], np.ndarray]:
    """``(method, n_train) -> trials x iterations`` of ``key``; a run that stopped early
    (converged) keeps its last value."""
    runs: dict[tuple[str, int], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        runs[(r["method"], r["n_train"])][r["trial"]].append(float(r[key]))
    out = {}
    for group, trials in runs.items():
        length = max(len(v) for v in trials.values())
        out[group] = np.array([v + [v[-1]] * (length - len(v)) for v in trials.values()])
    return out


def _spread(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    median, low, high = (np.nanpercentile(matrix, q, axis=0) for q in (50, 25, 75))
    return median, low, high


def plot_curves(records: list[Record], path_prefix: str, title: str) -> list[str]:
    """Metrics vs iteration (median, 25-75% band) and vs seconds (median); returns the files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = _padded(records, "seconds")
    files = []
    for axis_name in ("iteration", "seconds"):
        fig, axes = plt.subplots(1, len(METRICS), figsize=(4.2 * len(METRICS), 3.4))
        for ax, (key, label) in zip(axes, METRICS, strict=True):
            for (method, _), values in sorted(_padded(records, key).items()):
                median, low, high = _spread(values)
                if axis_name == "iteration":
                    x = np.arange(1, median.shape[0] + 1)
                    ax.fill_between(x, low, high, alpha=0.2)
                else:
                    x = np.median(seconds[(method, _)], axis=0)
                ax.plot(x, median, label=method)
            if all(float(r[key]) > 0 for r in records):  # Poisson losses can be negative
                ax.set_yscale("log")
            ax.set_xlabel(axis_name)
            ax.set_title(label)
        axes[0].legend(fontsize=7)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        files.append(f"{path_prefix}_vs_{axis_name}.png")
        fig.savefig(files[-1], dpi=110)
        plt.close(fig)
    return files


def plot_sweep(records: list[Record], path: str, title: str) -> list[str]:
    """Final metrics and seconds vs n_train (median, 25-75% band)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finals = final_records(records)
    keys = (*METRICS[1:], ("seconds", "seconds"))
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.4))
    for ax, (key, label) in zip(axes, keys, strict=True):
        for method in dict.fromkeys(r["method"] for r in finals):
            sizes = sorted({r["n_train"] for r in finals if r["method"] == method})
            values = [
                [r[key] for r in finals if r["method"] == method and r["n_train"] == n]
                for n in sizes
            ]
            median = [np.nanmedian(v) for v in values]
            ax.fill_between(
                sizes, [np.nanpercentile(v, 25) for v in values],
                [np.nanpercentile(v, 75) for v in values], alpha=0.2,
            )  # fmt: skip
            ax.plot(sizes, median, marker="o", label=method)
        ax.set_yscale("log")
        ax.set_xlabel("n_train")
        ax.set_title(f"final {label}")
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def summary_table(records: list[Record]) -> str:
    """Markdown: per method and n, median [25%, 75%] of the final values over trials.

    A diverged run counts as +inf (worse than any finite value) and is counted.
    """
    finals = final_records(records)
    lines = [
        "| method | n_train | trials | diverged | iterations | NEE² (paper) | NEE "
        "| prediction error | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for r in finals:
        groups[(r["method"], r["n_train"])].append(r)
    order = {
        method: index for index, method in enumerate(dict.fromkeys(r["method"] for r in records))
    }
    for (method, n), rows in sorted(groups.items(), key=lambda g: (g[0][1], order[g[0][0]])):

        def cell(key: str, rows: list[Record] = rows) -> str:
            v = np.array([r[key] for r in rows], dtype=float)
            if key == "seconds":  # a diverged run has no final time
                q1, q2, q3 = np.nanpercentile(v, [25, 50, 75])
            else:  # diverged (NaN) is worse than any value; no interpolation with inf
                v = np.where(np.isnan(v), np.inf, v)
                if np.isinf(v).any():
                    q1, q2, q3 = np.percentile(v, [25, 50, 75], method="inverted_cdf")
                else:
                    q1, q2, q3 = np.percentile(v, [25, 50, 75])
            return f"{q2:.3g} [{q1:.3g}, {q3:.3g}]"

        iterations = int(np.median([r["iteration"] for r in rows]))
        diverged = sum(bool(r.get("diverged")) for r in rows)
        lines.append(
            f"| {method} | {n} | {len(rows)} | {diverged} | {iterations} | {cell('nee_squared')} | "
            f"{cell('nee')} | {cell('npe')} | {cell('seconds')} |"
        )
    return "\n".join(lines)
