"""Property-based invariants of the orthogonalization kernels (orthogonalization.md section 6).

Matrices are built from drawn structure (shape, rank, condition number, scale,
seed) so that a failure means a bug, not an unlucky draw.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CPU_BACKENDS, load_backend
from helpers import matrix_with_spectrum, orthonormality_error
from hypothesis import given
from hypothesis import strategies as st

from lsr_arrayapi.linalg.orthogonalize import (
    NS_SCHEDULES,
    newton_schulz,
    ns_coefficient_table,
    polar_eig,
    polar_svd,
    polar_two_columns,
    project_tangent,
    qr_orthonormal,
    randomized_polar,
)

DTYPES = ["float64", "float32"]
ORTH_TOL = {"float64": 1e-12, "float32": 2e-5}


@st.composite
def full_rank_matrices(draw, max_side=12, max_log_cond=3.0):
    """A full-rank m x n matrix (tall, wide or square) with condition <= 10**max_log_cond."""
    m = draw(st.integers(1, max_side))
    n = draw(st.integers(1, max_side))
    log_cond = draw(st.floats(0.0, max_log_cond))
    scale = 10.0 ** draw(st.floats(-3.0, 3.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = min(m, n)
    spectrum = scale * np.logspace(0.0, -log_cond, k)
    return matrix_with_spectrum(rng, m, n, spectrum)


@st.composite
def low_rank_matrices(draw, max_side=12):
    """``(A, r)``: an m x n matrix of exact rank r < min(m, n), condition <= 100 on its range."""
    m = draw(st.integers(3, max_side))
    n = draw(st.integers(3, max_side))
    r = draw(st.integers(1, min(m, n) - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return matrix_with_spectrum(rng, m, n, np.logspace(0.0, -2.0, r)), r


def _orthogonal(rng, n):
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q


def _semi_orthonormal_error(Q):
    return orthonormality_error(Q)


def composite_map(schedule: str, steps: int, x: np.ndarray) -> np.ndarray:
    """The scalar map sigma/||A||_F -> output singular value of a Newton-Schulz schedule."""
    rows, norm_scale = ns_coefficient_table(schedule, steps)
    x = x / norm_scale
    for a, b, c in rows:
        x = a * x + b * x**3 + c * x**5
    return x


# -- exact polar ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(A=full_rank_matrices(), seed=st.integers(0, 2**32 - 1))
def test_polar_svd_invariants(backend_name, dtype, A, seed):
    backend = load_backend(backend_name)
    rng = np.random.default_rng(seed)
    tol = ORTH_TOL[dtype] * 10
    polar = backend.to_numpy(polar_svd(backend.asarray(A, dtype)))
    assert polar.shape == A.shape
    assert _semi_orthonormal_error(polar) < tol
    U, V = _orthogonal(rng, A.shape[0]), _orthogonal(rng, A.shape[1])
    rotated = backend.to_numpy(polar_svd(backend.asarray(U @ A @ V.T, dtype)))
    np.testing.assert_allclose(rotated, U @ polar @ V.T, atol=1e3 * tol)
    scaled = backend.to_numpy(polar_svd(backend.asarray(7.5 * A, dtype)))
    np.testing.assert_allclose(scaled, polar, atol=1e3 * tol)
    transposed = backend.to_numpy(polar_svd(backend.asarray(A.T, dtype)))
    np.testing.assert_allclose(transposed, polar.T, atol=1e3 * tol)


@given(A=full_rank_matrices())
def test_polar_svd_matches_scipy_and_is_nearest(A):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    polar = polar_svd(A)
    if A.shape[0] >= A.shape[1]:
        np.testing.assert_allclose(polar, scipy_linalg.polar(A)[0], atol=1e-10)
    # nearest semi-orthogonal matrix: no farther from A than the QR factor
    assert np.linalg.norm(A - polar) <= np.linalg.norm(A - qr_orthonormal(A)) + 1e-12


@st.composite
def two_column_stacks(draw, max_log_cond=3.0, max_log_scale=150.0):
    """``(A, cond)``: a stack of three full-rank (m, 2) matrices with condition ``cond``."""
    m = draw(st.integers(2, 10))
    cond = 10.0 ** draw(st.floats(0.0, max_log_cond))
    scale = 10.0 ** draw(st.floats(-max_log_scale, max_log_scale))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    spectrum = scale * np.array([1.0, 1.0 / cond])
    return np.stack([matrix_with_spectrum(rng, m, 2, spectrum) for _ in range(3)]), cond


def _is_a_polar_factor(polar, A, tol):
    """Orthonormal columns and ``polar^T A`` symmetric positive semidefinite (the polar's definition)."""
    assert max(_semi_orthonormal_error(p) for p in polar) < tol
    P = np.swapaxes(polar, -1, -2) @ (A / np.abs(A).max(axis=(-2, -1), keepdims=True).clip(1e-300))
    np.testing.assert_allclose(P, np.swapaxes(P, -1, -2), atol=tol)
    assert np.linalg.eigvalsh((P + np.swapaxes(P, -1, -2)) / 2).min() > -tol


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(case=st.data())
def test_polar_two_columns_matches_polar_svd(backend_name, dtype, case):
    A, cond = case.draw(two_column_stacks(max_log_scale=150.0 if dtype == "float64" else 15.0))
    backend = load_backend(backend_name)
    polar = backend.to_numpy(polar_two_columns(backend.asarray(A, dtype)))
    assert polar.shape == A.shape and str(polar.dtype) == dtype
    _is_a_polar_factor(polar.astype(np.float64), A, 10 * ORTH_TOL[dtype])
    np.testing.assert_allclose(polar, polar_svd(A), atol=10 * ORTH_TOL[dtype] * cond)


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@given(
    m=st.integers(2, 8),
    factor=st.sampled_from([0.0, -1.0, 1e-8, 3.0]),
    zero_first=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_polar_two_columns_on_rank_deficient_input(backend_name, m, factor, zero_first, seed):
    # rank <= 1: the polar factor is not unique, but what comes back must be one of them
    a = np.random.default_rng(seed).standard_normal(m)
    A = np.stack([np.zeros(m), a] if zero_first else [a, factor * a], axis=-1)
    A = np.stack([A, np.zeros((m, 2))])  # the all-zero matrix too
    backend = load_backend(backend_name)
    polar = backend.to_numpy(polar_two_columns(backend.asarray(A, "float64")))
    assert np.isfinite(polar).all()
    _is_a_polar_factor(polar, A, 1e-12)


def test_polar_two_columns_rejects_other_shapes():
    for shape in [(4, 3), (1, 2), (5, 1)]:
        with pytest.raises(ValueError, match=r"\(m, 2\) matrices"):
            polar_two_columns(np.ones(shape))


@given(A=full_rank_matrices(), eps=st.sampled_from([1e-6, 1e-4, 1e-2]))
def test_polar_eig_shrinks_singular_values_as_documented(A, eps):
    out = polar_eig(A, eps=eps)
    sigma = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(
        np.linalg.svd(out, compute_uv=False), sigma / np.sqrt(sigma**2 + eps), rtol=1e-6, atol=1e-9
    )
    # same singular vectors: out^T out commutes with A^T A
    left, right = out.T @ out @ A.T @ A, A.T @ A @ out.T @ out
    np.testing.assert_allclose(left, right, atol=1e-7 * max(1.0, np.abs(left).max()))


# -- QR retraction and tangent projection -----------------------------------------------------


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(A=full_rank_matrices(max_log_cond=2.0))
def test_qr_orthonormal_sign_fixed_and_same_range(backend_name, dtype, A):
    backend = load_backend(backend_name)
    Q = backend.to_numpy(qr_orthonormal(backend.asarray(A, dtype)))
    assert Q.shape == A.shape
    assert _semi_orthonormal_error(Q) < ORTH_TOL[dtype] * 10
    tall = A if A.shape[0] >= A.shape[1] else A.T
    Qt = Q if A.shape[0] >= A.shape[1] else Q.T
    R = Qt.T @ tall
    assert np.all(np.diag(R) >= 0)  # sign fix: diag(R) >= 0
    np.testing.assert_allclose(Qt @ R, tall, atol=1e-4 * np.abs(tall).max())  # same range


@given(A=full_rank_matrices(max_log_cond=1.0), seed=st.integers(0, 2**32 - 1))
def test_tangent_projection_is_a_tangent_vector(A, seed):
    if A.shape[0] < A.shape[1]:
        A = A.T
    W = qr_orthonormal(A)
    G = np.random.default_rng(seed).standard_normal(W.shape)
    xi = project_tangent(W, G)
    inner = W.T @ xi
    np.testing.assert_allclose(inner, -inner.T, atol=1e-12 * max(1.0, np.abs(G).max()))
    np.testing.assert_allclose(project_tangent(W, xi), xi, atol=1e-12 * max(1.0, np.abs(G).max()))


# -- Newton-Schulz ---------------------------------------------------------------------------

#: Measured bands (scalar composite over sigma/||A||_F in [lower, 1]), asserted, not loosened.
BANDS = {("muon", 5, 2e-3): (0.68, 1.21), ("polar_express", 5, 1e-3): (0.83, 1.13)}


@pytest.mark.parametrize("schedule, steps, lower", list(BANDS))
def test_measured_scalar_band(schedule, steps, lower):
    x = np.geomspace(lower, 1.0, 20001)
    out = composite_map(schedule, steps, x)
    low, high = BANDS[(schedule, steps, lower)]
    assert low <= out.min() and out.max() <= high
    assert out.min() < low + 0.02 and out.max() > high - 0.02  # the band is tight, not slack


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("schedule, steps, lower", list(BANDS))
@given(data=st.data())
def test_newton_schulz_singular_values_follow_the_schedule(
    backend_name, dtype, schedule, steps, lower, data
):
    backend = load_backend(backend_name)
    m, n = data.draw(st.integers(1, 10)), data.draw(st.integers(1, 10))
    k = min(m, n)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    # normalized singular values sigma/||A||_F drawn inside [lower, 1]
    raw = 10.0 ** rng.uniform(np.log10(lower) + 0.05, 0.0, size=k)
    raw[0] = 1.0
    spectrum = raw * 10.0 ** data.draw(st.floats(-2.0, 2.0))
    if np.min(spectrum) / np.linalg.norm(spectrum) < lower:
        spectrum = np.maximum(spectrum, 1.05 * lower * np.linalg.norm(spectrum))
    A = matrix_with_spectrum(rng, m, n, spectrum)
    out = backend.to_numpy(newton_schulz(backend.asarray(A, dtype), schedule, steps))
    got = np.sort(np.linalg.svd(out, compute_uv=False))
    predicted = np.sort(
        composite_map(schedule, steps, np.linalg.svd(A, compute_uv=False) / np.linalg.norm(A))
    )
    np.testing.assert_allclose(got, predicted, atol=1e-10 if dtype == "float64" else 1e-4)
    low, high = BANDS[(schedule, steps, lower)]
    slack = 1e-9 if dtype == "float64" else 1e-4
    assert got.min() >= low - slack and got.max() <= high + slack


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("schedule", sorted(NS_SCHEDULES))
@given(A=full_rank_matrices(max_side=9), seed=st.integers(0, 2**32 - 1))
def test_newton_schulz_exact_symmetries(backend_name, schedule, A, seed):
    backend = load_backend(backend_name)
    ns = lambda M: backend.to_numpy(newton_schulz(backend.asarray(M), schedule, 5))  # noqa: E731
    out = ns(A)
    if A.shape[0] != A.shape[1]:
        np.testing.assert_array_equal(ns(A.T), out.T)  # transpose consistency: bitwise
    else:  # square inputs are not transposed, so the Gram differs in round-off
        np.testing.assert_allclose(ns(A.T), out.T, atol=1e-12)
    np.testing.assert_array_equal(ns(-A), -out)  # odd map: bitwise
    np.testing.assert_allclose(ns(3.0 * A), out, atol=1e-12)  # clamp eps: scale-invariant
    rng = np.random.default_rng(seed)
    U, V = _orthogonal(rng, A.shape[0]), _orthogonal(rng, A.shape[1])
    np.testing.assert_allclose(ns(U @ A @ V.T), U @ out @ V.T, atol=1e-11)


def test_newton_schulz_zero_and_rank_deficient_inputs():
    assert np.all(newton_schulz(np.zeros((5, 3))) == 0)
    rng = np.random.default_rng(0)
    A = matrix_with_spectrum(rng, 8, 6, np.array([1.0, 0.5]))
    s = np.linalg.svd(newton_schulz(A, "polar_express", 8), compute_uv=False)
    np.testing.assert_allclose(s[:2], 1.0, atol=1e-6)
    assert np.all(s[2:] < 1e-10)  # odd polynomials keep the null space null


@pytest.mark.parametrize("steps", range(1, 9))
def test_polar_express_beats_muon_quintic_in_worst_case_at_every_step_count(steps):
    x = np.geomspace(1e-3, 1.0, 20001)
    worst = {
        name: np.max(np.abs(1 - composite_map(name, steps, x)))
        for name in ("muon", "polar_express")
    }
    assert worst["polar_express"] < worst["muon"]


@pytest.mark.parametrize("steps", [6, 7, 8])
@given(A=full_rank_matrices(max_side=10, max_log_cond=2.5))
def test_polar_express_is_closer_to_exact_polar_from_six_steps(steps, A):
    exact = polar_svd(A)
    pe = np.max(np.abs(newton_schulz(A, "polar_express", steps) - exact))
    muon = np.max(np.abs(newton_schulz(A, "muon", steps) - exact))
    assert pe <= muon + 1e-12


def test_classic_and_long_polar_express_converge_to_polar():
    rng = np.random.default_rng(1)
    A = matrix_with_spectrum(rng, 12, 7, np.logspace(0, -1.5, 7))
    np.testing.assert_allclose(newton_schulz(A, "polar_express", 10), polar_svd(A), atol=1e-12)
    np.testing.assert_allclose(newton_schulz(A, "classic", 40), polar_svd(A), atol=1e-12)


def test_explicit_coefficient_table_and_errors():
    table = [(3.4445, -4.7750, 2.0315)] * 5
    A = np.random.default_rng(2).standard_normal((6, 4))
    np.testing.assert_array_equal(newton_schulz(A, table), newton_schulz(A, "muon", 5))
    with pytest.raises(ValueError, match="unknown Newton-Schulz schedule"):
        newton_schulz(A, "fastest")
    with pytest.raises(ValueError, match="ns_steps must be >= 1"):
        newton_schulz(A, "muon", 0)
    with pytest.raises(ValueError, match=r"\(T, 3\) table"):
        newton_schulz(A, [(1.0, 2.0)])


# -- randomized polar ------------------------------------------------------------------------


@pytest.mark.parametrize("backend_name", CPU_BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(case=low_rank_matrices(), extra=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_randomized_polar_is_exact_on_low_rank_input(backend_name, dtype, case, extra, seed):
    A, r = case
    backend = load_backend(backend_name)
    q = min(r + extra, min(A.shape))
    out = backend.to_numpy(
        randomized_polar(backend.asarray(A, dtype), q, oversample=2, random_state=seed)
    )
    u, _, vh = np.linalg.svd(A)
    target = u[:, :r] @ vh[:r]  # polar of the rank-r part
    np.testing.assert_allclose(out, target, atol=1e-9 if dtype == "float64" else 2e-4)
    s = np.linalg.svd(out, compute_uv=False)
    assert np.all((np.abs(s - 1) < 1e-4) | (s < 1e-4))  # a partial isometry


@given(case=low_rank_matrices(), seed=st.integers(0, 2**32 - 1), rot=st.integers(0, 2**32 - 1))
def test_randomized_polar_left_equivariant_with_fixed_sketch(case, seed, rot):
    # a full-rank input truncated to rank q: its rank-q polar is unique only with a
    # spectral gap, so draw a low-rank input (gap to zero) and a sketch of its rank
    A, r = case
    U = _orthogonal(np.random.default_rng(rot), A.shape[0])
    left = randomized_polar(U @ A, r, oversample=1, random_state=seed)
    np.testing.assert_allclose(
        left, U @ randomized_polar(A, r, oversample=1, random_state=seed), atol=1e-10
    )


def test_randomized_polar_argument_errors():
    A = np.ones((5, 4))
    with pytest.raises(ValueError, match=r"rank must be in \[1, 4\]"):
        randomized_polar(A, 5)
    with pytest.raises(ValueError, match="oversample and power_iters"):
        randomized_polar(A, 2, oversample=-1)
