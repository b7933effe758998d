"""Alternating block minimization (``schedule="als"``): few passes over X per iteration.

For mode k, X's samples are contracted with the other modes' factors of all
S terms (``design.project``).  Contracting that with the core
gives, for each term s, a small block design ``Z`` of shape ``(n, d_k r_k)``
with ``eta = eta_rest + Z vec(B_k^s)``: the block's subproblem no longer
touches X, so it can be solved far more thoroughly than by one gradient step.

* S = 1 (Tucker): the model is a GLM in the free matrix ``B_k``.  Damped
  Newton steps (exact in one step for the Gaussian family), then
  ``B_k = Q R`` with R moved into the core, which leaves B unchanged: ALS for
  Tucker regression (TensorLy's ``TuckerRegressor`` does the same without the
  orthonormalization), generalized to GLMs.
* S >= 2: the shared core makes orthonormality a real constraint, so the
  block takes ``INNER_STEPS`` safeguarded steps of the fit's update rule on Z.
* The core is a GLM in vec(G) with design ``sum_s X_i x_k B_k^sT``: damped
  Newton, jointly with the covariates and the intercept when there are
  covariates (the design's columns ``Q`` of ``[1, Z] = Q R`` appended), so a
  covariate correlated with the tensor term does not make the two blocks
  zigzag.

A pass here is a skinny matrix product (``r_k`` or ``S r_k`` columns) rather
than a matrix-vector product.  Memoized (:func:`memo_split`: X in memory, a
partial contraction of at most ``MEMO_FRACTION`` of X) an outer iteration
takes two passes; otherwise one per mode and one for the core, K + 1.
Gauss-Seidel takes ``2 (S K + 1)`` matrix-vector passes.  Vectors are
row-major (``vec(W)[a r + b] = W[a, b]``), matching ``reshape``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import partial as partial_function
from typing import Any, ClassVar

import array_api_extra as xpx

from lsr_arrayapi.data.design import project_samples
from lsr_arrayapi.exceptions import InvalidParameterError
from lsr_arrayapi.linalg.tensor import lsr_tensor, lsr_term, multi_mode_product, unfold
from lsr_arrayapi.solvers.base import MOVED, Outcome
from lsr_arrayapi.solvers.newton import newton_block

#: Rule steps per factor block and outer iteration (S >= 2), chosen with
#: ``python -m lsr_arrayapi.bench schedule``.
INNER_STEPS = 5


@dataclass(frozen=True)
class ALS:
    """Alternating block minimization (see the module docstring); the fit's rule moves
    the constrained factor blocks of S >= 2."""

    name: ClassVar[str] = "als"

    def uses(self, S: int) -> tuple[str, ...]:
        """The rule (and its options) at S >= 2; nothing at S = 1 (every block is solved)."""
        return ("rule", "rule_options") if S >= 2 else ()

    def check(self, design: Any, S: int) -> None:
        """Raise for a design without ``project`` (the contraction ALS is built on)."""
        if not hasattr(design, "project"):
            raise InvalidParameterError(
                "schedule='als' needs a design with a project() method (arrays, Dask arrays); "
                f"{type(design).__name__} has none: use schedule='lbfgs' or 'gauss_seidel'"
            )

    def init(self, state: Any) -> None:
        """No memory."""
        return None

    def iterate(self, state: Any, memory: None) -> Outcome:
        """One sweep: every mode, then the core (:func:`als_iteration`)."""
        als_iteration(state)
        return MOVED


def als_iteration(state: Any) -> None:
    """One outer iteration of ``state`` (a :class:`~lsr_arrayapi.solvers.state.FitState`): every mode, then the core.

    With a memo split m (:func:`memo_split`) the modes are taken in two groups,
    ``0..m-1`` then ``m..K-1``; one pass over X contracts the modes outside a
    group, and each mode of the group gets its block design from that smaller
    array (modes outside a group do not change while the group is updated).
    Two passes over X per iteration instead of K + 1; same arithmetic.
    """
    xp = state.xp
    S, K = len(state.factors), len(state.factors[0])
    ranks = tuple(state.core.shape)
    split = memo_split(state.design, ranks, S)
    groups = [range(K)] if split is None else [range(split), range(split, K)]
    for group in groups:
        partial = None
        if split is not None:  # one pass: X contracted with every factor outside the group
            partial = state.design.project(_stacked_factors(state, keep=group))
        for k in group:
            reduce = partial_function(_term_designs, xp, state.core, ranks, S, k)
            designs = _project(state, partial, group, {k}, reduce)
            for s in range(S):
                design = xp.asarray(designs[:, s, :], copy=True)  # (n, d_k r_k), contiguous
                if S == 1:
                    _solve_tucker_factor(state, design, k)
                else:
                    for _ in range(INNER_STEPS):
                        state.update_factors(((s, k),), block_design=design)
    reduce = partial_function(_core_design, xp, ranks, S)
    _solve_core(state, _project(state, partial, groups[-1], set(), reduce))
    if state.has_linear_terms and state.linear_basis is None:  # else solved with the core
        state.update_linear_terms()
    state.move_to()  # the value at the new point


#: The memoized sweep holds one partial contraction of X; it is used only when
#: that array has at most this fraction of X's entries (else one pass per mode).
#: The bound keeps that memory small against X.  A quarter admits the Tucker stage
#: of the paper's shape (ranks 4 on (10, 15, 20): 20 %), 28^3 with S r_k = 6 (21 %) and
#: 16^3 at ranks 3 (19 %), whose default fits take 0.59-0.85 of the time they take with
#: one pass per mode (docs/performance.md).
MEMO_FRACTION = 0.25


def memo_split(design: Any, ranks: tuple[int, ...], S: int) -> int | None:
    """The split m of the memoized sweep, or None for one pass per mode.

    Splitting at m keeps, per sample, ``prod_{j<m} d_j prod_{j>=m} S r_j``
    entries for the first group and ``prod_{j<m} S r_j prod_{j>=m} d_j`` for
    the second; m minimizes the larger, the larger m on a tie: then the first
    pass contracts X's last mode (one matrix product on a view) and the
    second starts with a middle mode (one small product per sample and
    leading index), where starting with the first mode is a small product per
    sample only, about twice as slow in NumPy (28^3: 17 vs 8.7 ms).  Only for designs that hold X in memory
    (``in_memory``): an out-of-core X may not leave room for a part of it.
    """
    shape, K = design.sample_shape, len(ranks)
    if K < 2 or not getattr(design, "in_memory", False):
        return None
    widths = [S * r for r in ranks]

    def largest(m: int) -> int:
        first = math.prod(shape[:m]) * math.prod(widths[m:])
        return max(first, math.prod(widths[:m]) * math.prod(shape[m:]))

    m = min(range(1, K), key=lambda m: (largest(m), -m))
    return m if largest(m) <= MEMO_FRACTION * math.prod(shape) else None


def _project(state: Any, partial: Any, group: range, keep: set[int], reduce: Any) -> Any:
    """X contracted with every stacked factor except modes ``keep``, then ``reduce``d.

    Without a ``partial`` contraction this is one pass over X; with one (X
    already contracted outside ``group``) only the group's other modes remain.
    """
    matrices = _stacked_factors(state, keep=keep)
    if partial is None:
        return state.design.project(matrices, reduce)
    remaining = [m if j in group else None for j, m in enumerate(matrices)]
    if all(m is None for m in remaining):
        return reduce(partial)
    flat = state.xp.reshape(partial, (partial.shape[0], -1))
    return project_samples(state.xp, flat, tuple(partial.shape[1:]), remaining, reduce)


def _term_designs(xp: Any, core: Any, ranks: tuple[int, ...], S: int, k: int, chunk: Any) -> Any:
    """(rows, S, d_k r_k): each term's block design for mode k, from a stacked projection."""
    other = [j for j in range(len(ranks)) if j != k]
    designs = [
        xp.tensordot(
            chunk[_term_index(s, ranks, keep=k)], core, axes=([j + 1 for j in other], other)
        )
        for s in range(S)
    ]  # each (rows, d_k, r_k)
    return xp.reshape(xp.stack(designs, axis=1), (chunk.shape[0], S, -1))


def _core_design(xp: Any, ranks: tuple[int, ...], S: int, chunk: Any) -> Any:
    """(rows, prod r): the sum of the terms' diagonal blocks of a stacked projection."""
    total = chunk[_term_index(0, ranks, keep=None)]
    for s in range(1, S):
        total = total + chunk[_term_index(s, ranks, keep=None)]
    return xp.reshape(total, (chunk.shape[0], -1))


def _stacked_factors(state: Any, keep: Collection[int]) -> list[Any]:
    """Per mode, the S factors side by side ``(d_k, S r_k)``; None for the modes ``keep``."""
    xp = state.xp
    K = len(state.factors[0])
    return [
        None if j in keep else xp.concat([term[j] for term in state.factors], axis=1)
        for j in range(K)
    ]


def _term_index(s: int, ranks: tuple[int, ...], keep: int | None) -> tuple[slice, ...]:
    """Index of term s's block in a projection by stacked factors (mode ``keep`` whole)."""
    blocks = [slice(None) if j == keep else slice(s * r, (s + 1) * r) for j, r in enumerate(ranks)]
    return (slice(None), *blocks)


def _solve_tucker_factor(state: Any, design: Any, k: int) -> None:
    """S = 1: Newton on the free ``B_k``, then ``B_k = Q R`` with R pushed into the core."""
    xp = state.xp
    term = state.factors[0]
    d, r = term[k].shape

    def coef_of(vector: Any) -> Any:
        matrix = xp.reshape(vector, (d, r))
        return lsr_term(state.core, [matrix if j == k else f for j, f in enumerate(term)])

    ridge = None
    if state.objective.alpha:  # ||B||^2 = ||W G_(k)||^2: Hessian I_d (x) G_(k) G_(k)^T
        core_k = unfold(state.core, k, xp)
        eye = xp.eye(d, dtype=core_k.dtype, device=state.design.device)
        ridge = xpx.kron(eye, xp.matmul(core_k, xp.matrix_transpose(core_k)))
    vector = newton_block(state, design, xp.reshape(term[k], (-1,)), ridge, coef_of)
    q, upper = xp.linalg.qr(xp.reshape(vector, (d, r)))
    core = multi_mode_product(state.core, [upper if j == k else None for j in range(len(term))])
    # B is unchanged (R moved into the core), and so are eta and the value
    state.move_to(
        core=core, factors=[[q if j == k else f for j, f in enumerate(term)]], value=state.value
    )


def _solve_core(state: Any, design: Any) -> None:
    """Newton on vec(G) with the core design ``(n, prod r)``."""
    xp = state.xp
    shape = tuple(state.core.shape)
    ridge: Any = None
    if state.objective.alpha:  # ||B||^2 = vec(G)^T M vec(G), M = sum_{s,t} (x)_k B_k^sT B_k^t
        grams = [
            [xp.matmul(xp.matrix_transpose(a), b) for a, b in zip(left, right, strict=True)]
            for left in state.factors
            for right in state.factors
        ]
        blocks = []
        for pair in grams:
            block = pair[0]
            for gram in pair[1:]:
                block = xpx.kron(block, gram)
            blocks.append(block)
        ridge = sum(blocks[1:], blocks[0])

    vector = xp.reshape(state.core, (-1,))
    size = int(vector.shape[0])
    joint = state.linear_basis is not None
    if joint:  # the covariates beside the core: one block, however correlated they are
        q = state.linear_basis[0]
        design = xp.concat([design, q], axis=1)
        vector = xp.concat([vector, state.linear_coordinates()])
        if ridge is not None:
            ridge = xpx.pad(ridge, [(0, q.shape[1]), (0, q.shape[1])], xp=xp)

    def coef_of(vector: Any) -> Any:
        return lsr_tensor(xp.reshape(vector[:size], shape), state.factors)

    vector = newton_block(state, design, vector, ridge, coef_of)
    if joint:
        state.set_linear_coordinates(vector[size:])
    # value: set by the caller
    state.move_to(core=xp.reshape(vector[:size], shape), value=state.value)
