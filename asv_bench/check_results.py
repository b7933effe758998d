"""Fail unless asv saved a number for every benchmark on NumPy and on torch CPU.

``python check_results.py [COMMIT]`` (from ``asv_bench/``, after ``asv run``;
default ``HEAD``) reads ``results/*/<commit>-*.json``.  A backend missing from
asv's environment (torch left out of the ``matrix``) makes its benchmarks skip
without failing ``asv run``; this check catches that.
"""

from __future__ import annotations

import glob
import itertools
import json
import math
import subprocess
import sys

REQUIRED = ("'numpy'", "'torch:cpu'")


def missing(path: str) -> list[str]:
    """Benchmark/backend pairs of one results file that have no finite number."""
    saved = json.load(open(path))
    columns = saved["result_columns"]
    gaps = []
    for name, row in saved["results"].items():
        entry = dict(zip(columns, row, strict=False))
        values, params = entry["result"], entry["params"]
        if values is None:
            gaps.append(f"{name}: no results")
            continue
        for value, combination in zip(values, itertools.product(*params), strict=True):
            if combination and combination[0] in REQUIRED:
                if value is None or (isinstance(value, float) and not math.isfinite(value)):
                    gaps.append(f"{name}{list(combination)}")
    return gaps


def main(commit: str = "HEAD") -> int:
    full = subprocess.check_output(["git", "rev-parse", commit], text=True).strip()
    files = glob.glob(f"results/*/{full[:8]}-*.json")
    if not files:
        print(f"no asv results saved for {commit} ({full[:8]})", file=sys.stderr)
        return 1
    gaps = [gap for path in files for gap in missing(path)]
    for gap in gaps:
        print(f"no NumPy / torch CPU result: {gap}", file=sys.stderr)
    if not gaps:
        print(f"asv results for {full[:8]}: every benchmark has NumPy and torch CPU numbers")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
