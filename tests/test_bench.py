"""The measurement scripts run end to end on tiny problems (their figures are in docs/)."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_stage_trace_accounts_for_every_pass_and_changes_no_fit():
    from lsr_arrayapi import fit_lsr
    from lsr_arrayapi.bench.roofline import _namespace
    from lsr_arrayapi.bench.stages import StageTrace, WholeFitSetting, stage_rows
    from lsr_arrayapi.data.datasets import make_lsr_problem

    setting = WholeFitSetting("tiny", "gaussian", 120, (4, 5, 6), 2, 2)
    rows = {row[0]: row for row in stage_rows(setting, "numpy", _namespace)}
    whole = rows.pop("**whole fit**")
    assert sum(row[2] for row in rows.values()) == whole[2]
    assert sum(row[3] for row in rows.values()) == pytest.approx(whole[3])
    stages = {"Tucker screens", "Tucker long run", "Tucker ridge path", "core split",
              "lift refinements", "fit proper"}  # fmt: skip
    assert stages <= set(rows)  # n = 120 is small for its Tucker stage: the ridge path runs
    assert rows["core split"][2] == 0  # the split never touches X
    problem = make_lsr_problem(120, sample_shape=(4, 5, 6), ranks=2, random_state=0)
    fits = [fit_lsr(problem.X, problem.y, ranks=2, init=init, random_state=0)
            for init in ("lift", StageTrace())]  # fmt: skip
    np.testing.assert_array_equal(fits[0].coef, fits[1].coef)
