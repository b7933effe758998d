"""X seen by a model with several linear predictors per sample (the multinomial family).

A family whose linear predictor has m entries per sample (``outputs(y) = m``)
fits m coefficient tensors ``B_c`` of shape d.  Stacked along a leading
*class mode* they form one tensor of shape ``(m, d_1, ..., d_K)``, and the
model is an LSR tensor of order K + 1 whose class mode has full rank m.
:class:`MultiOutputDesign` serves that tensor to the solvers through the
usual two passes: ``forward`` gives ``eta`` ``(n, m)`` with ``eta_ic =
<X_i, B_c>`` and ``adjoint`` takes ``(n, m)`` weights to ``(m, d)``.  In
memory each is one matrix product with the m tensors at once (one pass over
X); any other design takes m passes.
"""

from __future__ import annotations

import math
from typing import Any

from lsr_arrayapi._namespace import array_namespace
from lsr_arrayapi.data.design import Design, InMemoryDesign


class MultiOutputDesign:
    """``design`` (X of shape ``(n, d)``) for m stacked coefficient tensors ``(m, d)``."""

    def __init__(self, design: Design, outputs: int) -> None:
        self.inner, self.outputs = design, int(outputs)
        self.n_samples = design.n_samples
        self.sample_shape = (self.outputs, *design.sample_shape)
        self.dtype, self.device = design.dtype, design.device
        self._features = math.prod(design.sample_shape)

    @property
    def passes(self) -> int:
        """Passes over X made so far (the inner design's count)."""
        return int(getattr(self.inner, "passes", 0))

    def forward(self, coef: Any) -> Any:
        """``eta`` ``(n, m)`` for stacked coefficients ``(m, d)``."""
        xp = array_namespace(coef)
        stacked = xp.reshape(coef, (self.outputs, self._features))
        if isinstance(self.inner, InMemoryDesign):
            self.inner.passes += 1
            return xp.matmul(self.inner.flat, xp.matrix_transpose(stacked))
        shape = self.inner.sample_shape
        columns = [
            self.inner.forward(xp.reshape(stacked[c, ...], shape)) for c in range(self.outputs)
        ]
        return xp.stack(columns, axis=1)

    def adjoint(self, weights: Any) -> Any:
        """``sum_i weights_ic X_i`` for every c: ``(n, m)`` -> ``(m, d)``."""
        xp = array_namespace(weights)
        if isinstance(self.inner, InMemoryDesign):
            self.inner.passes += 1
            product = xp.matmul(xp.matrix_transpose(weights), self.inner.flat)
            return xp.reshape(product, self.sample_shape)
        parts = [self.inner.adjoint(weights[:, c]) for c in range(self.outputs)]
        return xp.stack(parts, axis=0)

    def squared_norms(self) -> Any:
        """``||X_i||^2`` times m: the stacked samples' norms, so that the mean squared entry
        (the solvers' data scale) is X's own."""
        return self.outputs * self.inner.squared_norms()
