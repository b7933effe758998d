"""``lsr-arrayapi reproduce NAME [options]`` (also ``python -m lsr_arrayapi reproduce``)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import time
from collections.abc import Iterable
from typing import Any

from lsr_arrayapi._argtypes import (
    UsageError,
    add_dtype_argument,
    add_rules_argument,
    int_at_least,
    positive_int,
    seed_int,
    usage_errors,
)
from lsr_arrayapi.reproduce.experiments import EXPERIMENTS, paper_methods

REAL = ("digits", "vessel")
BACKENDS = ("numpy", "torch", "cupy")
VIEWS = {
    "coded": "as the authors coded it (unsigned QR in LSRTR, the figure's quirks)",
    "fair": "fairly (sign-fixed QR, same start and steps, no filters)",
}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "reproduce",
        help="run an experiment of the LSRTR-M paper",
        description="Writes records.csv/json, figures and summary.md into --out/NAME.",
    )
    parser.add_argument(
        "name",
        choices=[*EXPERIMENTS, *REAL],
        help="a synthetic experiment of the paper, digits (scikit-learn's 8x8 images) or vessel",
    )
    add_rules_argument(
        parser,
        default=["qr", "muon"],
        help="update rules to compare (qr, muon, randomized_polar, plugins)",
    )
    parser.add_argument(
        "--trials", type=positive_int, default=None, help="trials (default: the paper's)"
    )
    parser.add_argument(
        "--sizes",
        type=int_at_least(2),
        nargs="+",
        default=None,
        help="training sizes (a sweep) or one size; default: the paper's",
    )
    parser.add_argument(
        "--backend",
        default="numpy",
        type=backend_name,
        help="numpy, torch, torch:cuda or cupy (default: numpy)",
    )
    add_dtype_argument(parser, default="float64")
    parser.add_argument(
        "--seed",
        type=seed_int,
        default=2025,
        help="base seed of the synthetic trials (default: 2025)",
    )
    parser.add_argument(
        "--out", default="reproduce-results", help="results go to OUT/NAME (default: %(default)s)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 trials (vessel: 1 trial, 5 iterations); training sets above 1000 "
        "samples shrink to about 1000, sweeps keep their first two sizes (scaled alike)",
    )
    parser.add_argument("--data", default=None, help="vessel: path of vesselmnist3d.npz")
    parser.add_argument(
        "--balanced",
        action="store_true",
        help="vessel: balance the training classes (the paper's Fig 13)",
    )
    parser.add_argument(
        "--stop-on",
        default="val",
        choices=["val", "test"],
        help="vessel: early-stopping split (the authors used test)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="redraw the figures and summary from OUT/NAME/records.json",
    )
    parser.set_defaults(run=run)  # fmt: skip


LIBRARY_NAMES = {"numpy": "NumPy", "torch": "PyTorch", "cupy": "CuPy, the GPU backend,"}


def backend_name(text: str) -> str:
    """argparse ``type=`` for a backend: a library name, optionally ``:device`` (torch), that
    is installed and finds its device here."""
    library, _, device = text.partition(":")
    if library not in BACKENDS or (device and library != "torch"):
        raise argparse.ArgumentTypeError(
            f"unknown backend {text!r}; use numpy, torch, torch:cuda or cupy"
        )
    try:
        module = importlib.import_module(library)
    except ImportError:
        raise argparse.ArgumentTypeError(
            f"backend {text!r}: {LIBRARY_NAMES[library]} is not installed; use numpy"
        ) from None
    try:
        if library == "cupy" and not module.cuda.runtime.getDeviceCount():
            raise RuntimeError("no GPU found")
        if library == "torch":
            module.zeros(1, device=device or "cpu")
    except Exception as exc:  # each library has its own "no such device" error
        raise argparse.ArgumentTypeError(
            f"backend {text!r} is not available here ({exc}); use numpy or torch"
        ) from None
    return text


def namespace(backend: str) -> tuple[Any, Any]:
    """``(xp, device)`` for a backend name."""
    library, _, device = backend.partition(":")
    if library in BACKENDS:
        xp = importlib.import_module(f"array_api_compat.{library}")
        return xp, (device or "cpu") if library == "torch" else None
    raise ValueError(f"unknown backend {backend!r}; use numpy, torch, torch:cuda or cupy")


def progress(items: Iterable[Any], description: str) -> Iterable[Any]:
    items = list(items)
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional: print a line per item instead
        for index, item in enumerate(items, 1):
            print(f"{description}: {index}/{len(items)}", flush=True)
            yield item
        return
    yield from tqdm(items, desc=description)


def run(args: argparse.Namespace) -> int:
    folder = os.path.join(args.out, args.name)
    check_paths(args, folder)
    if args.name in REAL:
        from lsr_arrayapi.reproduce.real import run_real

        return run_real(args, folder)
    return run_synthetic_experiment(args, folder)


def check_paths(args: argparse.Namespace, folder: str) -> None:
    """Usage errors for ``--report-only``, ``--data`` and ``--out`` before any work starts;
    creates ``folder`` unless the run only redraws a report."""
    if args.report_only:
        if args.name in REAL:
            raise UsageError(
                f"argument --report-only: {args.name} keeps no records.json; run it without "
                "--report-only"
            )
        if not os.path.isfile(os.path.join(folder, "records.json")):
            raise UsageError(
                f"argument --report-only: no records in {folder!r} (no records.json); "
                "run without --report-only first"
            )
        return
    if args.name == "vessel" and (args.data is None or not os.path.isfile(args.data)):
        given = "vessel needs --data" if args.data is None else f"no file {args.data!r}"
        raise UsageError(
            f"argument --data: {given}; download vesselmnist3d.npz (MedMNIST) from "
            "https://zenodo.org/records/10519652 and pass its path"
        )
    with usage_errors("--out"):
        os.makedirs(folder, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise UsageError(f"argument --out: cannot write to the folder {folder!r}")


def run_synthetic_experiment(args: argparse.Namespace, folder: str) -> int:
    from dataclasses import replace

    from lsr_arrayapi.reproduce.report import write_records
    from lsr_arrayapi.reproduce.synthetic import run_synthetic

    if args.report_only:  # figures and summary again from a previous run's records
        with open(os.path.join(folder, "records.json")) as handle:
            saved = json.load(handle)
        return write_report(saved["records"], saved["config"], folder)
    experiment = EXPERIMENTS[args.name]
    if args.quick:
        experiment = experiment.quick()
    if args.trials is not None:
        experiment = replace(experiment, trials=args.trials)
    if args.sizes:
        sweep = len(args.sizes) > 1 or bool(experiment.sizes)
        experiment = replace(
            experiment, sizes=tuple(args.sizes) if sweep else (), n_train=args.sizes[0]
        )
    xp, device = namespace(args.backend)
    methods = paper_methods(tuple(args.rules), experiment.alpha, experiment.iterations)
    began = time.perf_counter()
    records = run_synthetic(
        experiment, methods, xp=xp, dtype=getattr(xp, args.dtype), device=device,
        seed=args.seed, progress=lambda jobs: progress(jobs, f"{experiment.name} trials"),
    )  # fmt: skip
    config = {
        **vars(experiment), "rules": args.rules, "backend": args.backend, "dtype": args.dtype,
        "seed": args.seed, "quick": args.quick, "seconds": time.perf_counter() - began,
        "views": {view: [m.label for m in methods if view in m.views] for view in VIEWS},
    }  # fmt: skip
    write_records(records, folder, config)
    return write_report(records, config, folder)


def write_report(records: list[dict[str, Any]], config: dict[str, Any], folder: str) -> int:
    """Figures and ``summary.md`` of a synthetic run, one section per view."""
    from lsr_arrayapi.reproduce.report import plot_curves, plot_sweep, summary_table
    from lsr_arrayapi.reproduce.synthetic import fig10_filter

    name, figures = config["name"], config["figures"]
    options = "".join(
        f" --{key} {config[key]}" for key in ("trials", "backend", "dtype", "seed")
    ) + " --rules " + " ".join(config["rules"])  # fmt: skip
    lines = [
        f"# {name} (paper Fig {figures}): {config['family']}, {config['trials']} trials, "
        f"{config['iterations']} iterations, alpha {config['alpha']}",
        "",
        f"Command: `lsr-arrayapi reproduce {name}{' --quick' if config['quick'] else ''}"
        f"{options}`; {config['seconds']:.0f} s. Medians [25%, 75%] over trials, final iteration.",
    ]
    for view, description in VIEWS.items():
        shown = [r for r in records if r["method"] in config["views"][view]]
        if view == "coded" and config["quirk"] == "fig10_filter":
            shown = fig10_filter(shown)
        if view == "coded" and config["quirk"] == "fig7_residual":
            shown = [{**r, "npe": r["npe_sampled"]} for r in shown]
        title = f"{name} (Fig {figures}), {description}"
        prefix = os.path.join(folder, view)
        if config["sizes"]:
            files = plot_sweep(shown, f"{prefix}_vs_n.png", title)
        else:
            files = plot_curves(shown, prefix, title)
        lines += ["", f"## {description}", "", summary_table(shown), ""]
        lines += [f"![{view}]({os.path.basename(f)})" for f in files]
    with open(os.path.join(folder, "summary.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {folder}/records.csv, records.json, summary.md and figures")
    return 0
