"""The paper's synthetic settings (from the authors' code) and its methods."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Experiment:
    """One figure group: a family, sample sizes, an iteration budget and the step alpha.

    ``sizes`` (training sample sizes) makes it a sample-size sweep whose
    figure plots final values against n; otherwise curves against iteration
    and seconds are drawn.
    """

    name: str
    figures: str
    family: str
    n_train: int
    n_test: int
    iterations: int
    alpha: float
    trials: int
    sizes: tuple[int, ...] = ()
    quirk: str | None = None  # "fig7_residual" or "fig10_filter" (authors' code only)

    def quick(self) -> Experiment:
        """A smoke run: two trials; sizes above 1000 shrink to about 1000 (at least 300)."""
        shrink = max(1, self.n_train // 1000)
        return replace(
            self,
            trials=2,
            n_train=max(300, self.n_train // shrink),
            n_test=max(100, self.n_test // shrink),
            sizes=tuple(max(300, n // shrink) for n in self.sizes[:2]),
        )


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        Experiment("linear", "2-3", "gaussian", 500, 100, 40, 0.5, 50),
        Experiment("linear-n", "4", "gaussian", 500, 100, 60, 0.5, 50,
                   sizes=(200, 400, 600, 800, 1000)),
        Experiment("logistic", "5-6", "logistic", 20000, 10000, 30, 0.1, 50),
        Experiment("logistic-n", "7", "logistic", 5000, 5000, 30, 0.5, 50,
                   sizes=(5000, 10000, 15000, 20000, 25000), quirk="fig7_residual"),
        Experiment("poisson", "8-9", "poisson", 5000, 1000, 20, 0.05, 50),
        Experiment("poisson-n", "10", "poisson", 5000, 500, 20, 0.05, 50,
                   sizes=(1000, 2000, 3000, 4000, 5000), quirk="fig10_filter"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Method:
    """A fitted configuration: ``fit_lsr`` keywords plus how it starts and which views show it."""

    label: str
    options: dict[str, Any] = field(default_factory=dict)
    warm: bool = True  # the paper's start (truth + 0.1 noise); False: the library's cold start
    views: tuple[str, ...] = ("coded", "fair")


def paper_methods(rules: tuple[str, ...], alpha: float, iterations: int) -> list[Method]:
    """The paper's methods for ``rules`` and the library's own default, cold-started.

    ``qr`` appears twice: unsigned (the authors' LSRTR, "coded" view) and
    sign-fixed (the fair baseline).  ``muon`` runs the authors' LSRTR-M
    (``preset="paper"``); other rules (plugins included) run with their defaults.
    Every paper method takes the fixed step ``alpha`` for factors and core and
    exactly ``iterations`` iterations, as the authors' code does.
    """
    fixed = {"lr": alpha, "tol": 0.0, "max_iter": iterations}
    methods = []
    for rule in rules:
        if rule == "qr":
            methods.append(Method("LSRTR (unsigned QR)", {**fixed, "rule": "qr", "rule_options": {
                "sign_fix": False, "tangent": False}}, views=("coded",)))  # fmt: skip
            methods.append(Method("LSRTR (sign-fixed QR)", {**fixed, "rule": "qr", "rule_options": {
                "sign_fix": True, "tangent": False}}, views=("fair",)))  # fmt: skip
        elif rule == "muon":
            methods.append(Method("LSRTR-M (muon, paper)", {
                **fixed, "rule": "muon", "rule_options": {"preset": "paper"}}))  # fmt: skip
        else:
            methods.append(Method(f"{rule} (fixed step)", {**fixed, "rule": rule}))
    methods.append(Method("library default, cold start", {"max_iter": iterations}, warm=False))
    return methods


def returned_run(runs: list[list[float]], fit: Any) -> int:
    """Index of the tracked run whose per-iteration losses are ``fit``'s.

    A callback sees every candidate fit of the cold start (iterations counted
    from 1 in each); the fit returned is one of them, not always the last.
    """
    losses = list(fit.history["loss"][1:])
    for index, run in enumerate(runs):
        if run == losses:
            return index
    raise RuntimeError("no run seen by the callback matches the returned fit")
