"""Every registered retraction: orthonormal columns, and W + xi to first order on tangent steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr_arrayapi.linalg.orthogonalize import project_tangent, qr_orthonormal
from lsr_arrayapi.plugins import available_retractions, get_retraction_class

RETRACTIONS = available_retractions()


@st.composite
def point_and_tangent(draw):
    d = draw(st.integers(2, 9))
    r = draw(st.integers(1, d))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = qr_orthonormal(rng.standard_normal((d, r)))
    xi = project_tangent(W, rng.standard_normal((d, r)))
    return W, xi / np.linalg.norm(xi)


@pytest.mark.parametrize("name", RETRACTIONS)
@settings(max_examples=30, deadline=None)
@given(case=point_and_tangent())
def test_a_retraction_lands_on_the_manifold_along_the_step(name, case):
    W, xi = case
    retraction = get_retraction_class(name)()
    np.testing.assert_allclose(retraction.retract(W, 0 * xi), W, atol=1e-12)
    errors = []
    for t in (1e-2, 1e-3):
        moved = retraction.retract(W, t * xi)
        np.testing.assert_allclose(moved.T @ moved, np.eye(W.shape[1]), atol=1e-10)
        errors.append(np.linalg.norm(moved - (W + t * xi)))
    # second order: ten times shorter, a hundred times closer (up to round-off)
    assert errors[1] <= 0.02 * errors[0] + 1e-12
