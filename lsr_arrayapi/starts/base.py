"""The start protocol: where a fit begins, and how many fits it takes to find out.

A start is a small configuration object (its own options as fields) with
``fit(run, problem)``: it returns the fit, made by calling ``run(point)`` --
the fit proper from ``point`` -- once or several times.  ``point`` is a
factor strategy (an object with ``factors(state, rng)``, such as the
``random`` and ``spectral`` starts themselves) or a warm start
(``{"core", "factors", "intercept"}``).  The default ``lift`` start runs
Tucker fits of its own first (:mod:`lsr_arrayapi.starts.lift`).  A start may
declare ``uses = ("n_init",)`` to take ``fit_lsr``'s ``n_init``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True)
class StartProblem:
    """What a start works on: X (``design``), the objective, the model's sizes, the fit's
    host generator, whether an intercept is fitted, ``n_init``, and the covariates Z
    ``(n, p)`` (None without)."""

    design: Any
    objective: Any
    ranks: tuple[int, ...]
    S: int
    rng: Any
    fit_intercept: bool
    n_init: int
    covariates: Any = None


@runtime_checkable
class Start(Protocol):
    """``fit(run, problem)``: the fit, from this start (see the module docstring)."""

    name: ClassVar[str]

    def fit(self, run: Callable[[Any], Any], problem: StartProblem) -> Any:
        """The fit (an :class:`~lsr_arrayapi.LSRFit`) made with ``run(point)``."""
        ...
