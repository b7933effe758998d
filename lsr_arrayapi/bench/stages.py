"""Where a whole default fit spends its passes and seconds, stage by stage.

``python -m lsr_arrayapi.bench roofline --whole-fit`` runs the default fit
(cold start included) on the paper's three settings and the peers problems,
with :class:`StageTrace` as the start: the default :class:`~lsr_arrayapi.starts.Lift`
whose stage methods count the passes over X (``Design.passes``) and the seconds
each spends, exclusive of the stages they call.  Every figure is also given in
pass-pair equivalents: seconds over one ``X_flat @ v``, ``r @ X_flat`` pair timed
on the same X in the same process.  "other" is the rest of ``fit_lsr``
(validation, the post-fit checks, the lack-of-fit statistic).
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.data.design import InMemoryDesign
from lsr_arrayapi.fit import fit_lsr
from lsr_arrayapi.starts.lift import Lift


@dataclass(frozen=True)
class WholeFitSetting:
    """A synthetic problem for a whole default fit: its family, size, ranks and S."""

    name: str
    family: str
    n: int
    shape: tuple[int, ...]
    ranks: int
    S: int

    def problem(self) -> Any:
        """The problem drawn with ``random_state=0``."""
        return make_lsr_problem(
            self.n, sample_shape=self.shape, ranks=self.ranks, separation_rank=self.S,
            family=self.family, random_state=0,
        )  # fmt: skip


SETTINGS = [
    WholeFitSetting("paper linear", "gaussian", 500, (10, 15, 20), 2, 2),
    WholeFitSetting("paper logistic", "logistic", 20000, (10, 15, 20), 2, 2),
    WholeFitSetting("paper poisson", "poisson", 5000, (10, 15, 20), 2, 2),
    WholeFitSetting("peers n=500", "gaussian", 500, (10, 15, 20), 2, 1),
    WholeFitSetting("peers n=2000", "gaussian", 2000, (10, 15, 20), 2, 1),
    WholeFitSetting("peers 3000 x 16^3", "gaussian", 3000, (16, 16, 16), 3, 1),
]

#: The stage methods of Lift that are timed, with their labels, in the order printed.
STAGES = {
    "tucker_screens": "Tucker screens",
    "tucker_long_run": "Tucker long run",
    "ridge_path_fit": "Tucker ridge path",
    "split": "core split",
    "refine": "lift refinements",
    "continue_as_tucker": "Tucker repair",
}
FIT_PROPER = "fit proper"


@dataclass(frozen=True)
class StageTrace(Lift):
    """The default start, recording per stage ``[calls, passes, seconds]`` in ``records``.

    Each figure is exclusive: a stage's count leaves out the stages it calls.
    """

    records: dict[str, list[float]] = field(default_factory=dict, compare=False)
    _stack: list[list[float]] = field(default_factory=list, compare=False, repr=False)

    def measure(self, label: str, design: Any, call: Callable[[], Any]) -> Any:
        """``call()``, its passes over ``design`` and seconds added to ``records[label]``
        (exclusive)."""
        frame = [0.0, 0.0]  # passes and seconds of the stages it calls
        self._stack.append(frame)
        passes, began = design.passes, time.perf_counter()
        try:
            return call()
        finally:
            self._stack.pop()
            total = [design.passes - passes, time.perf_counter() - began]
            record = self.records.setdefault(label, [0, 0, 0.0])
            record[0] += 1
            record[1] += total[0] - frame[0]
            record[2] += total[1] - frame[1]
            if self._stack:
                self._stack[-1][0] += total[0]
                self._stack[-1][1] += total[1]

    def fit(self, run: Callable[[Any], Any], problem: Any) -> Any:
        def fit_proper(start: Any) -> Any:
            return self.measure(FIT_PROPER, problem.design, lambda: run(start))

        return super().fit(fit_proper, problem)


def _traced(method: str) -> Callable[..., Any]:
    """Lift's ``method``, measured; every stage method takes its StartProblem first."""

    def stage(self: StageTrace, problem: Any, *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(getattr(Lift, method), self, problem, *args, **kwargs)
        return self.measure(STAGES[method], problem.design, call)

    stage.__name__ = method
    return stage


for _method in STAGES:
    setattr(StageTrace, _method, _traced(_method))


def pass_pair_seconds(X: Any, y: Any, sync: Callable[[], None], repeat: int = 5) -> float:
    """Best of ``repeat`` timings of one ``X_flat @ v``, ``r @ X_flat`` pair on X."""
    design = InMemoryDesign(X)
    coef = design.adjoint(y)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        design.adjoint(design.forward(coef))
        sync()
        times.append(time.perf_counter() - began)
    return min(times)


Namespace = Callable[[str, Any, Any], tuple[Any, Any, Callable[[], None]]]


def stage_rows(
    setting: WholeFitSetting, backend: str, namespace: Namespace
) -> list[tuple[str, int, int, float, float]]:
    """``(stage, calls, passes, seconds, pass-pair equivalents)`` rows, then the total.

    ``namespace(backend, X, y)`` moves the NumPy data to the backend and gives its sync.
    """
    problem = setting.problem()
    X, y, sync = namespace(backend, problem.X, problem.y)
    pair = pass_pair_seconds(X, y, sync)
    trace = StageTrace()
    design = InMemoryDesign(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        began = time.perf_counter()
        fit_lsr(
            design, y, ranks=setting.ranks, separation_rank=setting.S, family=setting.family,
            init=trace, random_state=0,
        )  # fmt: skip
        sync()
        seconds = time.perf_counter() - began
    labels = [*STAGES.values(), FIT_PROPER]
    rows = [
        (label, int(calls), int(passes), spent, spent / pair)
        for label in labels
        if label in trace.records
        for calls, passes, spent in [trace.records[label]]
    ]
    rest = seconds - sum(row[3] for row in rows)
    rows.append(("other", 1, design.passes - sum(row[2] for row in rows), rest, rest / pair))
    rows.append(("**whole fit**", 1, design.passes, seconds, seconds / pair))
    return rows


def print_stages(backends: list[str], namespace: Namespace) -> None:
    """The stage table for every setting and backend."""
    print("| setting | backend | stage | calls | passes | seconds | pass-pair equivalents |")
    print("|---|---|---|---|---|---|---|")
    for backend in backends:
        for setting in SETTINGS:
            for label, calls, passes, seconds, pairs in stage_rows(setting, backend, namespace):
                print(
                    f"| {setting.name} | {backend} | {label} | {calls} | {passes} "
                    f"| {seconds:.3f} | {pairs:.0f} |",
                    flush=True,
                )
