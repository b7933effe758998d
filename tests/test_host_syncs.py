"""Host transfers per iteration of the default solver, counted on array-api-strict.

Every ``float()``, ``bool()``, ``int()`` or export of a device array is a
device-to-host transfer, and on a GPU a synchronization; the default solvers
that iterate many times (L-BFGS) read back a handful of numbers per iteration.
"""

import pytest

pytest.importorskip("array_api_strict")

from lsr_arrayapi.bench.syncs import transfers_per_iteration

MAX_PER_ITERATION = 10


@pytest.mark.parametrize(("S", "family"), [(2, "gaussian"), (2, "logistic"), (1, "logistic")])
def test_the_default_lbfgs_reads_back_few_numbers_per_iteration(S, family):
    counts = transfers_per_iteration(S, family)
    assert len(counts) >= 5
    assert max(counts) <= MAX_PER_ITERATION, counts


def test_the_counter_sees_transfers():
    """The count is not vacuous: Gauss-Seidel reads back numbers for each block."""
    counts = transfers_per_iteration(2, "gaussian", rule="qr")
    assert min(counts) > MAX_PER_ITERATION, counts
