"""Host transfers per iteration of the default solver, counted on array-api-strict.

Every ``float()``, ``bool()``, ``int()`` or export of a device array is a
device-to-host transfer, and on a GPU a synchronization; the default S = 2
solver (L-BFGS) reads back at most a handful of numbers per iteration.
"""

import numpy as np
import pytest

from lsr_arrayapi import fit_lsr
from lsr_arrayapi.data.datasets import make_lsr_problem

xp = pytest.importorskip("array_api_strict")

MAX_PER_ITERATION = 10
TRANSFERS = (
    "__float__",
    "__bool__",
    "__int__",
    "__index__",
    "__complex__",
    "__array__",
    "__dlpack__",
)


@pytest.fixture
def transfers(monkeypatch):
    """A list that gets one entry per host transfer of an array-api-strict array."""
    seen: list[str] = []
    array_type = type(xp.asarray(1.0))
    for name in TRANSFERS:
        original = getattr(array_type, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            seen.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(array_type, name, counted)
    return seen


def _per_iteration(transfers, **options):
    p = make_lsr_problem(400, sample_shape=(6, 7, 8), ranks=(2, 2, 2), separation_rank=2,
                         random_state=3)  # fmt: skip
    X, y = xp.asarray(p.X), xp.asarray(p.y)
    marks = []
    fit_lsr(
        X, y, ranks=2, separation_rank=2, init="spectral", max_iter=8, tol=0.0, random_state=0,
        callback=lambda it, fit: marks.append(len(transfers)), **options,
    )  # fmt: skip
    return np.diff(marks)  # transfers made by iterations 2, 3, ...


def test_the_default_solver_reads_back_few_numbers_per_iteration(transfers):
    counts = _per_iteration(transfers)
    assert len(counts) >= 5
    assert counts.max() <= MAX_PER_ITERATION, counts


def test_the_counter_sees_transfers(transfers):
    """The count is not vacuous: Gauss-Seidel reads back numbers for each block."""
    counts = _per_iteration(transfers, schedule="gauss_seidel")
    assert counts.min() > MAX_PER_ITERATION, counts
