"""Solvers (``schedule=``): Gauss-Seidel and Jacobi (block_descent.py), ALS (alternating.py)
and Riemannian L-BFGS (lbfgs.py), registered through the same hook as third-party solvers."""

from lsr_arrayapi.solvers.alternating import ALS
from lsr_arrayapi.solvers.base import Outcome, Solver
from lsr_arrayapi.solvers.block_descent import GaussSeidel, Jacobi
from lsr_arrayapi.solvers.lbfgs import LBFGS

BUILTIN_SOLVERS = (GaussSeidel, Jacobi, ALS, LBFGS)

__all__ = ["ALS", "BUILTIN_SOLVERS", "LBFGS", "GaussSeidel", "Jacobi", "Outcome", "Solver"]
