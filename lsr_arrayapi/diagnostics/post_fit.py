"""Post-fit checks: fits that stopped but are not the maximum-likelihood answer.

* **Separation** (families with a ``saturated`` member: logistic, Poisson).  When
  a hyperplane in the model separates the classes (or the zero counts), the
  unpenalized likelihood has no maximum: the coefficients grow without bound and
  the fitted probabilities of some samples reach 0 or 1 to machine precision.
  A fit with such saturated samples warns and, when the loss still falls along
  the fitted linear predictor's own direction (complete separation), is not
  reported as converged.  ``alpha > 0`` makes the maximum exist, except where every
  sample sits at the boundary (one label throughout, every count 0): the intercept
  is not penalized, so such a fit warns and is not converged whatever alpha is.
* **Degenerate terms** (S >= 2).  The S terms can cancel: their factor subspaces
  merge while the shared core grows, ``||B|| << sqrt(S) ||G||``, and the
  coefficients approach a tensor outside the model (the LSR analogue of a
  degenerate CP fit).  The fit then crawls; the warning names the cause.
* **A zero fit** that the data do not justify (the gradient at B = 0 is not
  zero) is never reported as converged.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from sklearn.exceptions import ConvergenceWarning

from lsr_arrayapi.solvers.state import data_scale

__all__ = ["CANCELLATION", "check_fit"]

#: Warn when ``||B||_F / (sqrt(S) ||G||_F)`` falls below this: about 1 when the terms
#: are near orthogonal, 0.16-0.20 at the degenerate fits measured with
#: ``python -m lsr_arrayapi.bench coldstart`` settings.
CANCELLATION = 0.25


def check_fit(fit: Any, design: Any, objective: Any, *, stacklevel: int) -> None:
    """Warn about (and un-converge) the fits the module docstring lists; edits ``fit``."""
    xp = objective.xp
    coef = fit.coef
    parts = [coef, fit.intercept, fit.covariate_coef]
    finite = all(
        math.isfinite(a) if isinstance(a, float) else bool(xp.all(xp.isfinite(a)))
        for a in parts
        if a is not None
    )
    if not (finite and math.isfinite(fit.history["loss"][-1])):
        raise FloatingPointError(
            "the fit produced non-finite coefficients or loss; check that X, y and the "
            "covariates are well scaled (for instance standardized) and report the data if "
            "they are"
        )
    norm = float(xp.linalg.vector_norm(xp.reshape(coef, (-1,))))
    if norm == 0:
        _check_zero_fit(fit, design, objective, stacklevel=stacklevel + 1)
    S = len(fit.factors)
    core_norm = float(xp.linalg.vector_norm(xp.reshape(fit.core, (-1,))))
    if S >= 2 and norm < CANCELLATION * math.sqrt(S) * core_norm:
        warnings.warn(
            f"the {S} terms nearly cancel (||B|| = {norm:.3g} while sqrt(S) ||G|| = "
            f"{math.sqrt(S) * core_norm:.3g}): their factor subspaces are merging while the "
            "core grows, so the coefficients approach a tensor outside the model and the fit "
            "crawls. A smaller separation_rank usually fits as well.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
    _check_saturation(fit, design, objective, norm, stacklevel=stacklevel + 1)


def _check_saturation(
    fit: Any, design: Any, objective: Any, norm: float, *, stacklevel: int
) -> None:
    """Samples fitted at the family's boundary (probability 1, a zero count's mean 0): warn,
    and un-converge while the loss still falls along eta's own direction.  With B = 0 the
    intercept alone can run to the boundary (every label 1, every count 0)."""
    saturated = getattr(objective.family, "saturated", None)
    if saturated is None:
        return
    xp = objective.xp
    eta = design.forward(fit.coef) + fit.intercept if fit.eta is None else fit.eta
    count = int(xp.sum(xp.astype(saturated(eta, objective.y), xp.int64)))
    if count == 0 or (objective.alpha and count < design.n_samples):
        return  # a ridge penalty bounds B: only an intercept at the boundary is left
    if objective.alpha:  # every sample: the unpenalized intercept runs to the boundary
        fit.converged = False
        warnings.warn(
            f"all {count} samples are fitted at the family's boundary to machine precision "
            "(probability 1, or a zero count's mean 0): y sits at the boundary for every "
            "sample (one label throughout, or every count 0), so the unpenalized intercept "
            "grows without bound whatever alpha is; check that y varies.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
        return
    losses = [float(objective.data_loss(scale * eta)) for scale in (1.0, 2.0, 4.0)]
    diverging = losses[0] > losses[1] > losses[2]
    if diverging or (norm == 0 and count == design.n_samples):
        fit.converged = False  # every sample at the boundary: the intercept diverges
    warnings.warn(
        f"{count} of {design.n_samples} samples are fitted at the family's boundary to "
        f"machine precision (probability 1, or a zero count's mean 0; ||B|| = {norm:.3g}"
        + (", and the loss still falls as the linear predictor grows" if diverging else "")
        + "): the data look (quasi-)separated, so the unpenalized maximum-likelihood fit "
        "does not exist and the linear predictor grows without bound. Set a ridge penalty "
        "alpha > 0 (chosen by cross-validation), or check that y varies.",
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def _check_zero_fit(fit: Any, design: Any, objective: Any, *, stacklevel: int) -> None:
    """B = 0 is converged only if the gradient there vanishes."""
    xp = objective.xp
    # B = 0: eta is the linear part alone (the intercept, and the covariates' term)
    eta = xp.zeros_like(objective.y) + fit.intercept if fit.eta is None else fit.eta
    weights = objective.sample_gradient(eta)
    gradient = design.adjoint(weights)
    if not _stationary_to_rounding(gradient, weights, design, objective):
        fit.converged = False
        warnings.warn(
            "the fit ended at B = 0 although the loss decreases away from it; rescale X and "
            "y, or try another init or random_state",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


def _stationary_to_rounding(gradient: Any, weights: Any, design: Any, objective: Any) -> bool:
    """Whether B = 0 is stationary to rounding: ``||sum_i r_i X_i||`` is within the rounding
    error of that sum (``n eps sum_i |r_i| ||X_i||``, the worst case; identical samples
    whose residuals cancel end there), or the ridge penalty outweighs the data's
    curvature (``c s``, as in the first step size) by ``1 / eps``, so that the penalized
    optimum rounds to 0 (``alpha = 1e300``)."""
    xp = objective.xp
    eps = float(xp.finfo(gradient.dtype).eps)
    curvature = getattr(objective.family, "curvature_bound", None) or 1.0
    if objective.alpha and objective.alpha * eps >= curvature * data_scale(design, objective):
        return True
    size = float(xp.linalg.vector_norm(xp.reshape(gradient, (-1,))))
    bound = float(xp.sum(xp.abs(weights) * xp.sqrt(design.squared_norms())))
    return size <= design.n_samples * eps * bound
