"""The penalized GLM objective along the solver's path, and its exact 1-D line search.

``value = sum_i w_i loss_i(eta_i) + alpha/2 ||B||_F^2`` with ``w_i = 1/n`` unless
sample weights are given; ``eta`` is ``(n,)``, or ``(n, m)`` for a family with m
linear predictors per sample (the multinomial).  Moving B linearly (the core, the intercept) moves eta
linearly, so a line search costs O(n) per trial and no pass over X.
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._namespace import array_namespace


class Objective:
    def __init__(self, family: Any, y: Any, weights: Any | None, alpha: float) -> None:
        if weights is not None and not hasattr(family, "pointwise_loss"):
            raise ValueError(
                f"family {family.name!r} has no pointwise_loss, so it cannot use sample_weight"
            )
        self.family = family
        self.y = y
        self.weights = weights
        self.alpha = float(alpha)
        self.xp = array_namespace(y)
        self.n = int(y.shape[0])
        self._samples: int | None = None

    @property
    def samples(self) -> int:
        """How many samples count: all n, or those of positive weight (a zero weight
        drops its sample from the likelihood, so it is no information)."""
        if self._samples is None:
            if self.weights is None:
                self._samples = self.n
            else:
                positive = self.xp.astype(self.weights > 0, self.weights.dtype)
                self._samples = int(float(self.xp.sum(positive)))
        return self._samples

    def data_loss(self, eta: Any) -> Any:
        if self.weights is None:
            return self.family.loss(eta, self.y)
        return self.xp.sum(self.weights * self.family.pointwise_loss(eta, self.y))

    def value(self, eta: Any, coef: Any) -> float:
        total = float(self.data_loss(eta))
        if self.alpha:
            total += 0.5 * self.alpha * float(self.xp.sum(coef * coef))
        return total

    def sample_gradient(self, eta: Any) -> Any:
        """``d value / d eta`` (n,): the weights ``r_i`` of the residual tensor ``sum_i r_i X_i``."""
        grad = self.family.grad(eta, self.y)
        return grad / self.n if self.weights is None else _per_sample(self.weights, grad) * grad

    def sample_curvature(self, eta: Any) -> Any:
        """``d^2 value / d eta^2`` (n,): :meth:`curvature` times the weights."""
        h = self.curvature(eta)
        return _per_sample(self.sample_weights(), h) * h

    def curvature(self, eta: Any) -> Any:
        """The family's ``curvature(eta)`` ``(n,)``, unweighted.

        A family without ``curvature`` gets its ``curvature_bound`` (or 1): a
        positive weight that keeps Newton-type directions descent directions.
        """
        curvature = getattr(self.family, "curvature", None)
        try:
            h = curvature(eta) if curvature is not None else None
        except NotImplementedError:
            h = None
        if h is None:
            h = self.xp.ones_like(eta) * (getattr(self.family, "curvature_bound", None) or 1.0)
        return h

    def sample_weights(self) -> Any:
        """The weights ``w_i`` (summing to 1) of the data loss, ``(n,)``."""
        if self.weights is None:
            return self.xp.ones_like(self.y) / self.n
        return self.weights

    def slope(self, eta: Any, coef: Any, d_eta: Any, d_coef: Any | None) -> float:
        """Directional derivative along ``(d_eta, d_coef)``."""
        xp = self.xp
        slope = float(xp.sum(self.sample_gradient(eta) * d_eta))
        if self.alpha and d_coef is not None:
            slope += self.alpha * float(xp.sum(coef * d_coef))
        return slope

    def line_search(
        self, eta: Any, coef: Any, d_eta: Any, d_coef: Any | None, t0: float, *, rtol: float = 1e-8
    ) -> float:
        """Minimize the (convex) objective along ``t -> (eta + t d_eta, coef + t d_coef)``, t >= 0.

        Bracket the root of the slope by doubling from ``t0``, then Illinois
        regula falsi, with a bisection step whenever the same end of the bracket
        moved twice in a row: for Poisson far from the fit the slope at the far
        end can be 1e140 times the near one, where regula falsi alone creeps
        (a Newton step can stall at t = 1e-16).  The bisection is geometric
        (:func:`_split`), so a root 1e-150 times the first trial step (gamma
        with y ~ 1e150 started at eta = 0) is reached in a few dozen steps.  For a
        quadratic family (Gaussian) the slope is linear in t and its root is
        returned from the first two slopes.
        """

        def slope_at(t: float) -> float:
            moved = None if d_coef is None else coef + t * d_coef
            value = self.slope(eta + t * d_eta, moved, d_eta, d_coef)
            return value if value == value else float("inf")  # NaN from overflow: too far

        lo, s_lo = 0.0, slope_at(0.0)
        if not s_lo < 0:
            return 0.0
        hi, s_hi = max(t0, 1e-300), slope_at(t0)
        if getattr(self.family, "quadratic", False) and s_hi > s_lo:
            return hi * s_lo / (s_lo - s_hi)  # the slope is linear in t: its root, exactly
        for _ in range(60):
            if s_hi >= 0:
                break
            lo, s_lo, hi = hi, s_hi, 2 * hi
            s_hi = slope_at(hi)
        else:
            return lo
        # Relative to the smaller end: the slope can be 1e8 times steeper on one side
        # of the root than on the other (gamma with y ~ 1e8 started at eta = 0), and
        # a tolerance on the steep side would accept the flat far end as the root.
        inf = float("inf")
        target = rtol * min(abs(s_lo), abs(s_hi))
        t, side, streak = hi, 0, 0
        for _ in range(100):
            if s_hi == inf or streak >= 2:
                t = _split(lo, hi, streak if side == 1 else 0)
            else:
                t = hi - s_hi * (hi - lo) / (s_hi - s_lo)
            s_t = slope_at(t)
            if abs(s_t) <= target or hi - lo <= 1e-12 * hi:
                break
            moved = -1 if s_t < 0 else 1
            streak = streak + 1 if moved == side else 1
            if moved == -1:
                lo, s_lo = t, s_t
                if side == -1:
                    s_hi *= 0.5
            else:
                if s_hi == inf:  # the first finite slope beyond the root sets the tolerance
                    target = rtol * min(abs(s_lo), s_t)
                hi, s_hi = t, s_t
                if side == 1:
                    s_lo *= 0.5
            side = moved
        return t


def _split(lo: float, hi: float, streak: int) -> float:
    """A bisection point of ``[lo, hi]`` on the log scale of t: ``sqrt(lo hi)`` when the
    bracket spans more than a factor 4, its midpoint otherwise; with ``lo = 0`` the far
    end shrinks by ``2^(2^streak)`` (``streak`` moves of it in a row), so a root many
    orders of magnitude below ``hi`` is reached in ``O(log log)`` steps."""
    if lo > 0:
        return math.sqrt(lo * hi) if hi > 4 * lo else 0.5 * (lo + hi)
    return hi * 2.0 ** -(2 ** min(max(streak, 0), 9))


def _per_sample(weights: Any, like: Any) -> Any:
    """Weights ``(n,)`` shaped to multiply ``like``: ``(n, m)`` for m predictors per sample."""
    return weights if like.ndim == 1 else weights[:, None]
