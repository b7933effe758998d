"""Riemannian L-BFGS over all blocks at once (``schedule="lbfgs"``).

Every iteration takes one residual tensor (one pass) for the gradients of all
factors (projected onto their Stiefel tangent spaces) and of the core, forms an
L-BFGS direction from the last ``memory`` steps, retracts the factors by the
solver's retraction (polar by default) and backtracks on the objective (one forward pass per trial;
quadratic interpolation, safeguarded to a tenfold to twofold cut per trial).
Stored pairs are not transported between tangent spaces (the cheap variant);
a non-descent direction resets the memory, and so does an update of the linear
terms (intercept, covariates) that lowers the loss more than the step on B did
(the next gradient change would then measure their move, not B's curvature).  The update rule is not used.

**Host transfers.**  Inner products and the metric's weights stay on the device
as 0-D arrays; an iteration reads back three numbers: whether the new curvature
pair is kept, the slope of the direction, and the objective at each trial point.

**Metric.**  The blocks are measured in a metric that makes the method
invariant to the scale of X and of y: the core block is weighted by the
curvature of the loss along a core move, ``c * s * S`` (``c`` the family's
curvature bound, or its mean curvature at the current point when unbounded;
``s`` the mean squared entry of X), and the factor block of
mode k by that along a unit tangent move, ``c * s * ||G||_F^2 / r_k``.  Scaling
X by a constant scales G by its inverse and the core weight by its square, so
every step in these coordinates is the same; with one Euclidean metric for all
blocks the core and factor curvatures drift apart by the square of the scale
and the method crawls (or stops at once) on rescaled data.  The weights are
fixed while pairs are stored, and refreshed whenever the memory is empty.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar

from lsr_arrayapi.linalg.orthogonalize import project_tangent
from lsr_arrayapi.linalg.tensor import core_gradient, factor_gradient, lsr_tensor
from lsr_arrayapi.plugins.manager import get_retraction_class
from lsr_arrayapi.solvers.base import MOVED, Outcome
from lsr_arrayapi.solvers.state import ARMIJO, MAX_BACKTRACKS, backtrack

#: A gradient step that fails every backtrack ends the run; it counts as converged
#: when the decrease it predicted is below this fraction of the objective (round-off).
ROUND_OFF = 1e-10


class LBFGSMemory:
    """Memory of one L-BFGS run: curvature pairs in the scaled coordinates, the metric, and
    the retraction object (looked up in the registry once per run).

    Inner products (``rho``) and the metric's square-root weights (``roots``)
    are 0-D arrays on the fit's device.
    """

    def __init__(self, memory: int, retraction: Any) -> None:
        self.retraction = retraction
        self.pairs: deque[tuple[list[Any], list[Any], Any]] = deque(maxlen=memory)
        self.previous: tuple[list[Any], list[Any]] | None = None  # (scaled step, scaled grad)
        self.roots: list[Any] | None = None


def _dot(xp: Any, a: list[Any], b: list[Any]) -> Any:
    """Inner product of two block lists, a 0-D array on their device."""
    total = xp.sum(a[0] * b[0])
    for u, v in zip(a[1:], b[1:], strict=True):
        total = total + xp.sum(u * v)
    return total


def _axpy(alpha: Any, x: list[Any], y: list[Any]) -> list[Any]:
    return [alpha * u + v for u, v in zip(x, y, strict=True)]


def block_weights(state: Any) -> list[Any]:
    """Square roots of the metric's weights: one per factor block (s, k), then the core.

    0-D arrays on the device (the core's norm is not read back).
    """
    xp = state.xp
    S, ranks = len(state.factors), tuple(state.core.shape)
    base = state.curvature * state.data_scale
    core_sq = xp.sum(state.core * state.core)
    ones = xp.ones_like(core_sq)
    # a zero core (no factor curvature yet): the data's weight alone
    factor = [
        xp.where(core_sq > 0, xp.sqrt(base * core_sq / r), xp.sqrt(base * ones)) for r in ranks
    ]
    return factor * S + [xp.sqrt(base * S * ones)]


def _two_loop(xp: Any, memory: LBFGSMemory, grad: list[Any]) -> list[Any]:
    """The L-BFGS direction ``-H grad`` (scaled coordinates)."""
    q = list(grad)
    alphas = []
    for s_vec, y_vec, rho in reversed(memory.pairs):
        alpha = rho * _dot(xp, s_vec, q)
        alphas.append(alpha)
        q = _axpy(-alpha, y_vec, q)
    if memory.pairs:
        s_vec, y_vec, _ = memory.pairs[-1]
        gamma = _dot(xp, s_vec, y_vec) / _dot(xp, y_vec, y_vec)
        q = [gamma * u for u in q]
    for (s_vec, y_vec, rho), alpha in zip(memory.pairs, reversed(alphas), strict=True):
        beta = rho * _dot(xp, y_vec, q)
        q = _axpy(alpha - beta, s_vec, q)
    return [-u for u in q]


@dataclass(frozen=True)
class LBFGS:
    """Riemannian L-BFGS on all blocks at once (see the module docstring).

    Parameters
    ----------
    memory : int, default=10
        Curvature pairs kept.
    retraction : str, default="polar"
        A registered retraction (``"polar"``, ``"qr"``, plugins') that maps
        the factors back to orthonormal columns after each trial step.
    """

    name: ClassVar[str] = "lbfgs"
    memory: int = 10
    retraction: str = "polar"

    def __post_init__(self) -> None:
        if not (isinstance(self.memory, int) and self.memory >= 1):
            raise ValueError(f"LBFGS: memory must be an int >= 1, got {self.memory!r}")
        get_retraction_class(self.retraction)  # an unknown name fails here, naming the known ones

    def uses(self, S: int) -> tuple[str, ...]:
        """None of ``rule``, ``rule_options``, ``lr``: its own step and retraction."""
        return ()

    def init(self, state: Any) -> LBFGSMemory:
        """An empty memory of ``memory`` pairs, with the retraction to use."""
        return LBFGSMemory(self.memory, get_retraction_class(self.retraction)())

    def iterate(self, state: Any, memory: LBFGSMemory) -> Outcome:
        """One quasi-Newton step on (all factors, core) of ``state``."""
        xp = state.xp
        retraction = memory.retraction
        if not memory.pairs:
            memory.roots = block_weights(state)
        roots = memory.roots
        assert roots is not None
        residual = state.residual_tensor()
        S, K = len(state.factors), len(state.factors[0])
        blocks = [(s, k) for s in range(S) for k in range(K)]
        euclidean = [
            project_tangent(
                state.factors[s][k], factor_gradient(residual, state.core, state.factors[s], k)
            )
            for s, k in blocks
        ] + [core_gradient(residual, state.factors)]
        grad = [g / root for g, root in zip(euclidean, roots, strict=True)]
        if memory.previous is not None:
            step, old_grad = memory.previous
            change = [g - o for g, o in zip(grad, old_grad, strict=True)]
            curvature = _dot(xp, step, change)
            size = xp.sqrt(_dot(xp, step, step)) * xp.sqrt(_dot(xp, change, change))
            if bool(curvature > 1e-12 * size):  # host transfer 1: keep the pair?
                memory.pairs.append((step, change, 1.0 / curvature))
        direction = _two_loop(xp, memory, grad)
        slope = float(_dot(xp, grad, direction))  # host transfer 2
        if not slope < 0:
            memory.pairs.clear()
            direction = [-u for u in grad]
            slope = -float(_dot(xp, grad, grad))
        if not memory.pairs:  # first or reset: a gradient step, shared among the blocks
            scale = 1.0 / len(grad)
            direction = [scale * u for u in direction]
            slope *= scale
        moves = [d / root for d, root in zip(direction, roots, strict=True)]  # original coordinates
        t = 1.0
        for _ in range(MAX_BACKTRACKS):
            factors = [list(term) for term in state.factors]
            for (s, k), d in zip(blocks, moves[:-1], strict=True):
                factors[s][k] = retraction.retract(state.factors[s][k], t * d)
            core = state.core + t * moves[-1]
            coef = lsr_tensor(core, factors)
            eta = state.design.forward(coef) + state.offset()
            value = state.checked_value(eta, coef)  # host transfer 3, once per trial
            if value <= state.value + ARMIJO * t * slope:
                memory.previous = ([t * d for d in direction], grad)
                before = state.value
                state.move_to(core=core, factors=factors, coef=coef, eta=eta, value=value)
                if state.has_linear_terms:
                    state.update_linear_terms()
                    state.move_to()
                    if value - state.value > before - value:
                        # the linear terms' move gained more than B's: the next gradient
                        # change is theirs, not B's curvature, so start the memory afresh
                        memory.pairs.clear()
                        memory.previous = None
                return MOVED
            t = backtrack(t, slope, value - state.value)
        stalled = not memory.pairs  # even a gradient step fails: nothing to gain, or round-off
        memory.pairs.clear()
        memory.previous = None
        if not stalled:
            return MOVED
        return Outcome(
            stalled=True, at_precision=-slope <= ROUND_OFF * max(abs(state.value), 1e-300)
        )
