"""The library's exceptions and warnings: every fault a public call reports is one of these.

* :class:`InvalidParameterError` (a ``ValueError`` and a ``TypeError``): a
  parameter outside its constraints (:data:`lsr_arrayapi.parameters.PARAMETER_CONSTRAINTS`);
  the message names the parameter, the accepted values and the value given.
* ``ValueError`` / ``TypeError``: bad data (X, y, sample_weight, labels, files),
  named in the message; ``TypeError`` for a dtype, container or backend that
  cannot be used.
* :class:`NumericalError` (a ``FloatingPointError`` and a ``ValueError``): the
  fit met a numerical fault (a singular or non-converging linear-algebra
  subproblem) that the input checks could not foresee.  A fit with a fixed
  ``lr`` that diverges raises ``FloatingPointError`` naming ``lr``.
* :class:`PluginError` (a ``RuntimeError``): a plugin broke its protocol
  (an update rule returned a non-finite or wrongly shaped matrix).
* :class:`PluginWarning`: a plugin entry point was skipped at load time.
* ``sklearn.exceptions.NotFittedError``: an estimator used before ``fit``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = [
    "InvalidParameterError",
    "NumericalError",
    "PluginError",
    "PluginWarning",
    "numerical_faults_translated",
]


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or out of range (the message names it)."""


class NumericalError(FloatingPointError, ValueError):
    """A numerical fault inside the fit (singular subproblem, SVD that did not converge)."""


class PluginError(RuntimeError):
    """A plugin (update rule or family) broke its protocol during a fit."""


class PluginWarning(UserWarning):
    """A plugin entry point could not be used and was skipped."""


def _is_linalg_error(exc: BaseException) -> bool:
    """NumPy's and CuPy's ``LinAlgError``, torch's ``_LinAlgError``: matched by class name,
    so no backend is imported."""
    return any(cls.__name__ in ("LinAlgError", "_LinAlgError") for cls in type(exc).__mro__)


@contextlib.contextmanager
def numerical_faults_translated(caller: str) -> Iterator[None]:
    """Let a backend's linear-algebra error leave the block as a :class:`NumericalError`.

    A context manager rather than a decorator, so that warnings raised inside
    keep their ``stacklevel`` (no extra frame between the caller and the user).
    """
    try:
        yield
    except Exception as exc:
        if not _is_linalg_error(exc):
            raise
        raise NumericalError(
            f"{caller}: a linear-algebra subproblem failed ({type(exc).__name__}: {exc}); "
            "the data make it degenerate (constant, duplicated or extreme-scaled samples): "
            "rescale X, lower ranks or separation_rank, or add a ridge penalty alpha > 0"
        ) from exc
