"""Array algebra written once against the array API: LSR tensors, orthogonalization."""
