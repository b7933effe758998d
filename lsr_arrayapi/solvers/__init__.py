"""Block-coordinate solvers (schedules): Gauss-Seidel, Jacobi, ALS, Riemannian L-BFGS."""
