"""The LSR algebra: mode products vs the Kronecker formula, gradients vs finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import problem_on

from lsr_arrayapi.families import Gaussian, Logistic, Poisson
from lsr_arrayapi.linalg.tensor import (
    core_gradient,
    factor_gradient,
    lsr_tensor,
    multi_mode_product,
)


def _random_lsr(rng, shape, ranks, S):
    core = rng.standard_normal(ranks)
    factors = [
        [np.linalg.qr(rng.standard_normal((d, r)))[0] for d, r in zip(shape, ranks, strict=True)]
        for _ in range(S)
    ]
    return core, factors


@pytest.mark.parametrize(
    "shape, ranks, S",
    [((3, 4), (2, 3), 1), ((4, 3, 5), (2, 2, 3), 2), ((2, 3, 2, 3), (1, 2, 2, 2), 3)],
)
def test_mode_products_equal_kronecker_formula(backend, shape, ranks, S):
    rng = np.random.default_rng(0)
    core, factors = _random_lsr(rng, shape, ranks, S)
    # vec(B) = sum_s (B_K kron ... kron B_1) vec(G), column-major vec
    expected = np.zeros(int(np.prod(shape)))
    for term in factors:
        kron = term[-1]
        for factor in reversed(term[:-1]):
            kron = np.kron(kron, factor)
        expected += kron @ core.reshape(-1, order="F")
    got = lsr_tensor(backend.asarray(core), [[backend.asarray(f) for f in t] for t in factors])
    np.testing.assert_allclose(backend.to_numpy(got).reshape(-1, order="F"), expected, atol=1e-12)


def test_mode_product_transpose_contracts_rows(backend):
    rng = np.random.default_rng(1)
    tensor, matrix = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    got = multi_mode_product(
        backend.asarray(tensor), [backend.asarray(matrix), None], transpose=True
    )
    np.testing.assert_allclose(backend.to_numpy(got), matrix.T @ tensor, atol=1e-12)


def test_joint_rotation_leaves_coefficient_unchanged_single_term_rotation_does_not():
    rng = np.random.default_rng(2)
    core, factors = _random_lsr(rng, (5, 4, 6), (2, 3, 2), 2)
    rotation = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    before = lsr_tensor(core, factors)
    rotated = [[f @ rotation if k == 1 else f for k, f in enumerate(term)] for term in factors]
    rotated_core = np.tensordot(core, rotation, axes=([1], [0])).transpose(0, 2, 1)  # G x_2 O^T
    np.testing.assert_allclose(lsr_tensor(rotated_core, rotated), before, atol=1e-12)
    one_term = [rotated[0], factors[1]]
    assert np.max(np.abs(lsr_tensor(rotated_core, one_term) - before)) > 1e-3


@pytest.mark.parametrize("family", [Gaussian(), Logistic(), Poisson()], ids=lambda f: f.name)
def test_block_gradients_match_finite_differences(family):
    rng = np.random.default_rng(3)
    shape, ranks, S, n = (4, 5, 3), (2, 2, 2), 2, 30
    core, factors = _random_lsr(rng, shape, ranks, S)
    core *= 0.3
    X = rng.standard_normal((n, *shape))
    y = {
        "gaussian": rng.standard_normal(n),
        "logistic": rng.integers(0, 2, n) * 1.0,
        "poisson": rng.poisson(1.0, n) * 1.0,
    }[family.name]

    def loss(core_, factors_):
        eta = np.tensordot(X, lsr_tensor(core_, factors_), axes=3)
        return float(family.loss(eta, y))

    eta = np.tensordot(X, lsr_tensor(core, factors), axes=3)
    residual = np.tensordot(family.grad(eta, y) / n, X, axes=1)
    h = 1e-6
    for s in range(S):
        for k in range(3):
            grad = factor_gradient(residual, core, factors[s], k)
            numeric = np.zeros_like(grad)
            for idx in np.ndindex(grad.shape):
                moved = [[f.copy() for f in t] for t in factors]
                moved[s][k][idx] += h
                up = loss(core, moved)
                moved[s][k][idx] -= 2 * h
                numeric[idx] = (up - loss(core, moved)) / (2 * h)
            np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    grad = core_gradient(residual, factors)
    numeric = np.zeros_like(grad)
    for idx in np.ndindex(grad.shape):
        moved = core.copy()
        moved[idx] += h
        up = loss(moved, factors)
        moved[idx] -= 2 * h
        numeric[idx] = (up - loss(moved, factors)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_problem_generator_is_backend_independent(backend):
    here = problem_on(backend, n_samples=20, random_state=5)
    from conftest import load_backend

    reference = problem_on(load_backend("numpy"), n_samples=20, random_state=5)
    np.testing.assert_allclose(backend.to_numpy(here.X), np.asarray(reference.X), atol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(here.y), np.asarray(reference.y), atol=1e-12)
