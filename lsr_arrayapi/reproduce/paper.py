"""What only the paper's experiments use: its warm start at the truth and its squared error."""

from __future__ import annotations

from typing import Any

import numpy as np

from lsr_arrayapi._backends import RandomState, host_rng, to_host
from lsr_arrayapi.data.datasets import LSRProblem
from lsr_arrayapi.metrics import nee


def nee_squared(estimate: Any, truth: Any) -> float:
    """The LSRTR-M paper's error: ``||B_hat - B||_F^2 / ||B||_F^2``."""
    return nee(estimate, truth) ** 2


def paper_warm_start(
    problem: LSRProblem, *, perturbation: float = 0.1, random_state: RandomState = None
) -> dict[str, Any]:
    """The LSRTR-M paper's start: truth + ``perturbation * N(0,1)`` on the core and on each
    factor (then a sign-fixed QR), as the authors' code draws it.  For reproduction only:
    users have no truth."""
    rng = host_rng(random_state)
    core = to_host(problem.core)
    factors = []
    for term in problem.factors:
        row = []
        for factor in term:
            host = to_host(factor)
            q, r = np.linalg.qr(host + perturbation * rng.standard_normal(host.shape))
            row.append(q * np.sign(np.diag(r)))
        factors.append(row)
    # host arrays: the solver moves a start to X's namespace and device
    return {"core": core + perturbation * rng.standard_normal(core.shape), "factors": factors}
