"""The separately installable example plugin in plugins/lsr_cayley (installed by the README command)."""

from __future__ import annotations

import numpy as np

import lsr_arrayapi
from lsr_arrayapi import LSRRegressor
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.metrics import nee


def test_entry_point_plugin_is_discovered():
    assert "cayley" in lsr_arrayapi.available_rules()
    assert lsr_arrayapi.plugins.get_rule_class("cayley").__module__ == "lsr_cayley"


def test_estimator_fits_with_the_plugin_rule():
    p = make_lsr_problem(300, sample_shape=(6, 7, 8), separation_rank=1, noise=0.0, random_state=0)
    model = LSRRegressor(ranks=2, rule="cayley", fit_intercept=False).fit(p.X, p.y)
    assert nee(model.coef_, p.coef) < 1e-3
    for W in model.factors_[0]:
        np.testing.assert_allclose(W.T @ W, np.eye(2), atol=1e-10)


def test_the_plugin_retraction_reaches_the_default_solver():
    """L-BFGS (the default for S = 2) takes the plugin's retraction by name, and ends
    at the same fit as with its default polar retraction."""
    from lsr_arrayapi import fit_lsr
    from lsr_arrayapi.solvers import LBFGS

    assert "cayley" in lsr_arrayapi.plugins.available_retractions()
    p = make_lsr_problem(500, sample_shape=(6, 7, 8), separation_rank=2, random_state=2)
    fits = {
        r: fit_lsr(
            p.X,
            p.y,
            ranks=2,
            separation_rank=2,
            random_state=0,
            max_iter=300,
            schedule=LBFGS(retraction=r),
        )
        for r in ("polar", "cayley")
    }
    assert fits["cayley"].solver == "LBFGS(memory=10, retraction='cayley')"
    assert nee(fits["cayley"].coef, fits["polar"].coef) < 1e-4
    for term in fits["cayley"].factors:
        for W in term:
            np.testing.assert_allclose(W.T @ W, np.eye(2), atol=1e-10)
