"""The measurement scripts run end to end on tiny problems (their figures are in docs/)."""

from __future__ import annotations

import numpy as np

from lsr_arrayapi.bench.__main__ import main
from lsr_arrayapi.bench.roofline import peak_beyond_x


def test_peak_beyond_x_sees_an_allocation_and_not_what_was_live_before():
    live = np.ones(2**21)  # 16 MiB allocated before: not counted
    peak = peak_beyond_x("numpy", lambda: np.ones(2**20))  # 8 MiB at the peak
    assert 8 <= peak < 9
    assert peak_beyond_x("torch:cpu", lambda: None) is None
    del live


def test_roofline_prints_one_row_per_schedule_and_rule(capsys):
    argv = ["roofline", "--n", "40", "--shape", "4", "5", "6", "--rank", "2", "--repeat", "2",
            "--backends", "numpy", "--rules", "qr", "muon"]  # fmt: skip
    assert main(argv) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| numpy")]
    schedules = [row.split("|")[3].strip() for row in rows]
    assert schedules == ["gauss_seidel"] * 2 + ["jacobi"] * 2 + ["als"] * 2 + ["lbfgs"]
    assert rows[-1].split("|")[2].strip() == "-"  # L-BFGS takes no rule
    for row in rows:
        ratio, peak = (float(cell) for cell in row.split("|")[6:8])
        assert ratio > 0 and 0 < peak < 1  # MiB (the memory bound itself: test_solver)


def test_scaling_measures_each_schedule():
    from lsr_arrayapi.bench.scaling import SCHEDULES, measure

    for schedule in SCHEDULES:
        seconds, pair = measure(40, 4, 2, 2, 2, schedule)
        assert seconds > 0 and pair > 0
