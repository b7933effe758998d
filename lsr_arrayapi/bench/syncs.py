"""Host transfers per iteration of each solver, counted on array-api-strict.

``python -m lsr_arrayapi.bench syncs`` prints, for the default solvers and
Gauss-Seidel, how many device-to-host transfers (``float()``, ``bool()``,
``int()``, exports) of an array one outer iteration makes: on a GPU each one
is a synchronization.  Needs ``array-api-strict`` (in the test extra).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.fit import fit_lsr

#: the conversions that move an array's value to the host
TRANSFERS = (
    "__float__",
    "__bool__",
    "__int__",
    "__index__",
    "__complex__",
    "__array__",
    "__dlpack__",
)
#: (label, separation rank, family, fit_lsr options)
CASES: list[tuple[str, int, str, dict[str, Any]]] = [
    ("L-BFGS, Gaussian (default, S = 2)", 2, "gaussian", {}),
    ("L-BFGS, logistic (default, S = 2)", 2, "logistic", {}),
    ("ALS, Gaussian (default, S = 1)", 1, "gaussian", {}),
    ("L-BFGS, logistic (default, S = 1)", 1, "logistic", {}),
    ("Gauss-Seidel with qr (S = 2)", 2, "gaussian", {"rule": "qr"}),
]


@contextlib.contextmanager
def counted_transfers() -> Iterator[list[str]]:
    """A list that gets one entry per host transfer of an array-api-strict array, while open."""
    import array_api_strict

    array_type = type(array_api_strict.asarray(1.0))
    seen: list[str] = []
    originals = {name: getattr(array_type, name) for name in TRANSFERS}

    def counting(name: str, original: Any) -> Any:
        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(name)
            return original(self, *args, **kwargs)

        return counted

    try:
        for name, original in originals.items():
            setattr(array_type, name, counting(name, original))
        yield seen
    finally:
        for name, original in originals.items():
            setattr(array_type, name, original)


def transfers_per_iteration(
    S: int, family: str, *, iterations: int = 8, **options: Any
) -> list[int]:
    """Transfers made by each outer iteration after the first, on a small problem."""
    import array_api_strict as xp

    problem = make_lsr_problem(
        400, sample_shape=(6, 7, 8), ranks=(2, 2, 2), separation_rank=S, family=family,
        random_state=3,
    )  # fmt: skip
    X, y = xp.asarray(problem.X), xp.asarray(problem.y)
    marks: list[int] = []
    with counted_transfers() as seen:
        fit_lsr(
            X, y, ranks=2, separation_rank=S, family=family, init="spectral",
            max_iter=iterations, tol=0.0, random_state=0,
            callback=lambda iteration, fit: marks.append(len(seen)), **options,
        )  # fmt: skip
    return [int(v) for v in np.diff(marks)]


def run(args: Any) -> int:
    import warnings

    print("| solver | host transfers per iteration (iterations 2, 3, ...) |")
    print("|---|---|")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, S, family, options in CASES:
            counts = transfers_per_iteration(S, family, **options)
            print(f"| {label} | {', '.join(map(str, counts))} |")
    return 0


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("syncs", help=__doc__.splitlines()[0])
    parser.set_defaults(run=run)
