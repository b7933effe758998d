"""Input checks with clear messages, run before any work.

One layer for every public entry point: :func:`check_fit_arguments` (``fit_lsr``
and the estimators' ``fit``), :func:`check_X` (also prediction, from one
sample), :func:`check_y` and :func:`check_sample_weight` (fit and ``score``).
Parameter constraints live in :mod:`lsr_arrayapi.parameters`; this module
checks the data:

* containers -- a NumPy masked array with masked entries is an error (a mask
  with nothing masked is dropped); sparse arrays are an error; a torch tensor
  that requires grad is detached for fitting, with a warning;
* dtypes -- :func:`lsr_arrayapi._namespace.compute_dtype`;
* the backend -- :func:`lsr_arrayapi._namespace.check_namespace`;
* values -- finite, shapes consistent.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from array_api_compat import is_array_api_obj, is_dask_array, is_pydata_sparse_array, is_torch_array

from lsr_arrayapi._namespace import array_namespace, check_namespace, compute_dtype, device, follow
from lsr_arrayapi.data.design import Design, InMemoryDesign
from lsr_arrayapi.data.multi_output import MultiOutputDesign
from lsr_arrayapi.exceptions import InvalidParameterError
from lsr_arrayapi.families.contract import checked_family
from lsr_arrayapi.parameters import check_parameters, check_sizes, check_solver_inputs
from lsr_arrayapi.plugins.instances import make_family
from lsr_arrayapi.plugins.manager import get_start_class
from lsr_arrayapi.solvers.choose import make_solver
from lsr_arrayapi.starts.simple import WarmStart, check_start_shapes, warm_start


def plain_array(value: Any, name: str, *, detach: bool = True) -> Any:
    """Apply the container policy to an input array ``value`` called ``name``."""
    if type(value).__module__.startswith("numpy.ma"):
        mask = value.mask
        masked = int(mask.sum()) if hasattr(mask, "sum") else int(bool(mask))
        if masked:
            raise ValueError(
                f"{name} is a masked array with {masked} masked entries; lsr_arrayapi does "
                f"not use masks: drop or fill the masked samples first ({name}.filled(...))"
            )
        value = value.data
    kind = _sparse_kind(value)
    if kind:
        raise TypeError(
            f"{name} is {kind}; lsr_arrayapi needs a dense array "
            f"({name}.toarray() or {name}.to_dense())"
        )
    if detach and getattr(value, "requires_grad", False) is True and hasattr(value, "detach"):
        warnings.warn(
            f"{name} requires grad, but a fit is not differentiable: it uses {name}.detach(), "
            "so the fitted arrays carry no autograd history",
            UserWarning,
            stacklevel=4,
        )
        value = value.detach()
    return value


def _sparse_kind(value: Any) -> str | None:
    if type(value).__module__.startswith("scipy.sparse"):
        return f"a SciPy sparse {type(value).__name__}"
    if is_pydata_sparse_array(value):
        return "a pydata/sparse array"
    if is_torch_array(value) and str(getattr(value, "layout", "torch.strided")) != "torch.strided":
        return f"a torch tensor with layout {value.layout}"
    return None


def check_design(X: Any) -> tuple[Any, Design, Any]:
    """Return ``(xp, design, like)`` for X: an array, a Dask array or a Design.

    ``xp`` is the namespace the solver's state lives in; ``like`` is an array
    with the samples' count, dtype and device, for moving y and weights there.
    In-memory arrays give an :class:`~lsr_arrayapi.data.design.InMemoryDesign` over
    X itself, Dask arrays a :class:`~lsr_arrayapi.data.dask_design.DaskDesign`; any
    other object with the :class:`~lsr_arrayapi.data.design.Design` interface is
    used as it is (its ``squared_norms()`` serves as ``like``).
    """
    if is_dask_array(X):
        from lsr_arrayapi.data.dask_design import DaskDesign

        design: Design = DaskDesign(X)
        check_namespace(design.xp, X._meta)  # type: ignore[attr-defined]
        design.check_finite()  # type: ignore[attr-defined]
    elif not is_array_api_obj(X) and isinstance(X, Design):
        design = X
    else:
        xp, X = check_X(X, finite=False)
        memory = InMemoryDesign(X)
        # the squared norms the fit needs anyway are finite iff X is and they do not
        # overflow: one pass for both (an overflow is reported by check_magnitudes)
        if not bool(xp.all(xp.isfinite(memory.squared_norms()))) and not _all_finite(X, xp):
            raise ValueError("X contains NaN or infinite values")
        return xp, memory, X
    like = design.squared_norms()
    xp = array_namespace(like)
    check_namespace(xp, like)
    return xp, design, like


def check_X(X: Any, *, for_fit: bool = True, finite: bool = True) -> tuple[Any, Any]:
    """Return ``(xp, X)`` for samples of shape ``(n, d_1, ..., d_K)``, K >= 2, real floating.

    A fit (``for_fit=True``) needs at least 2 samples, the ``linalg`` extension
    and a detached X; prediction takes a single sample and keeps a torch X's
    autograd graph (predictions are differentiable in X).  ``finite=False`` leaves
    the check for NaN and infinity to the caller.
    """
    X = plain_array(X, "X", detach=for_fit)
    if not is_array_api_obj(X):
        import array_api_compat.numpy as np_compat

        try:
            X = np_compat.asarray(X)  # type: ignore[attr-defined]
        except (TypeError, ValueError) as exc:
            raise TypeError(f"X must be an array, got {type(X).__name__}") from exc
    xp = array_namespace(X)
    check_namespace(xp, X, linalg=for_fit)
    dtype = compute_dtype(xp, X.dtype)
    if X.ndim < 3:
        raise ValueError(
            "X must have shape (n_samples, d_1, ..., d_K) with K >= 2 tensor modes; "
            f"got an array of shape {tuple(X.shape)}"
        )
    min_samples = 2 if for_fit else 1
    if X.shape[0] < min_samples:
        raise ValueError(f"need at least {min_samples} samples, got n_samples={X.shape[0]}")
    X = X if X.dtype == dtype else xp.astype(X, dtype)
    if finite and not _all_finite(X, xp):
        raise ValueError("X contains NaN or infinite values")
    return xp, X


def _all_finite(X: Any, xp: Any, rows: int = 256) -> bool:
    """Finiteness of X without an X-sized temporary.

    One matrix-vector product with ones is finite whenever every entry is
    (a NaN or infinity propagates; ``inf - inf`` is NaN).  Only if it is not --
    a non-finite entry, or finite entries so large that the sum overflows --
    are the samples checked exactly, ``rows`` at a time.
    """
    if X.shape[0] == 0:
        return True
    flat = xp.reshape(X, (X.shape[0], -1))
    ones = xp.ones((flat.shape[1],), dtype=X.dtype, device=device(X))
    if bool(xp.all(xp.isfinite(xp.matmul(flat, ones)))):
        return True
    return all(
        bool(xp.all(xp.isfinite(flat[start : start + rows, ...])))
        for start in range(0, flat.shape[0], rows)
    )


def _follow_numbers(value: Any, like: Any, *, xp: Any, name: str) -> Any:
    """``value`` as an array of ``like``'s namespace and device, or a ``TypeError`` naming it."""
    value = _numeric_table(plain_array(value, name))
    try:
        return follow(value, like, xp=xp)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(
            f"{name} must be an array of real numbers; a {type(value).__name__} could not be "
            f"converted ({exc})"
        ) from exc


def _numeric_table(value: Any) -> Any:
    """A data frame (``columns``, ``dtypes``, ``to_numpy``) whose columns are all numbers or
    booleans, of mixed dtypes, as one float64 array (its own conversion would give
    objects); anything else unchanged."""
    dtypes = getattr(value, "dtypes", None)
    if not (hasattr(value, "columns") and hasattr(value, "to_numpy") and dtypes is not None):
        return value
    kinds = {getattr(dtype, "kind", "O") for dtype in list(dtypes)}
    if len(kinds) > 1 and kinds <= set("biuf"):
        return value.to_numpy(dtype="float64")
    return value


def covariate_names(covariates: Any) -> tuple[str, ...] | None:
    """The column names of a data frame of covariates when they are all strings (as
    scikit-learn's ``feature_names_in_``), else None."""
    columns = getattr(covariates, "columns", None)
    if columns is None or hasattr(covariates, "__array_namespace__"):
        return None
    names = list(columns)
    return tuple(names) if names and all(isinstance(c, str) for c in names) else None


def _real_numbers(value: Any, like: Any, *, xp: Any, name: str) -> Any:
    """``value`` in ``like``'s namespace and device, or a ``TypeError`` naming it when it
    is not an array of real numbers (complex, strings, objects)."""
    value = _follow_numbers(value, like, xp=xp, name=name)
    try:
        real = xp.isdtype(value.dtype, ("real floating", "integral", "bool"))
    except (TypeError, ValueError):  # a dtype outside the standard: strings, objects
        real = False
    if not real:
        raise TypeError(f"{name} must be real numbers, got dtype {value.dtype}")
    return value


def check_y(y: Any, X: Any, *, xp: Any) -> Any:
    """Return y as a 1-D float array of length n on X's namespace, dtype and device."""
    if y is None:
        raise ValueError("y is required")
    y = _real_numbers(y, X, xp=xp, name="y")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {tuple(y.shape)}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} samples")
    y = xp.astype(y, X.dtype)
    if not bool(xp.all(xp.isfinite(y))):
        raise ValueError("y contains NaN or infinite values")
    return y


def check_covariates(covariates: Any, X: Any, *, xp: Any, fit_intercept: bool) -> Any:
    """Return the covariates Z ``(n, p)`` in X's namespace, dtype and device (or None).

    Z must be 2-D with n rows and real, finite entries, with fewer columns than
    samples, and of full column rank together with the intercept (a constant
    column is collinear with it): the unpenalized linear part must be identified.
    """
    if covariates is None:
        return None
    Z = _real_numbers(covariates, X, xp=xp, name="covariates")
    if Z.ndim != 2:
        hint = "; for one covariate pass Z.reshape(-1, 1)" if Z.ndim == 1 else ""
        raise ValueError(f"covariates must be 2-D (n, p), got shape {tuple(Z.shape)}{hint}")
    n, p = int(Z.shape[0]), int(Z.shape[1])
    if n != X.shape[0]:
        raise ValueError(f"covariates have {n} rows but X has {X.shape[0]} samples")
    if p == 0:
        raise ValueError("covariates have no columns; pass covariates=None")
    if p + int(fit_intercept) >= n:
        raise ValueError(f"{p} covariates (and the intercept) need more than {n} samples")
    if not bool(xp.all(xp.isfinite(Z))):
        raise ValueError("covariates contain NaN or infinite values")
    _check_range(Z, X.dtype, xp)
    Z = xp.astype(Z, X.dtype)
    _check_full_rank(Z, xp, fit_intercept)
    return Z


def _check_range(Z: Any, dtype: Any, xp: Any, *, small: bool = True) -> None:
    """Every column of Z below the overflow threshold of ``dtype`` (X's, that the fit
    computes in) and, with ``small``, every nonzero column above its underflow range:
    a fit cannot estimate the coefficient of a column that underflows, while a
    prediction from one is just its (tiny) term."""
    if not xp.isdtype(Z.dtype, "real floating"):
        return
    largest = xp.max(xp.abs(Z), axis=0)
    info = xp.finfo(dtype)
    outside = largest > float(info.max) / 16
    if small:
        outside = outside | ((largest > 0) & (largest < float(info.smallest_normal) * 2**24))
    if bool(xp.any(outside)):
        column = int(xp.argmax(xp.astype(outside, xp.int32)))
        raise ValueError(
            f"covariate column {column} has entries up to {float(largest[column]):.3g}, outside "
            f"the range of X's dtype {dtype} that the fit computes in; rescale the covariates"
            + (" or pass float64 X" if dtype == xp.float32 else "")
        )


def check_prediction_covariates(
    covariates: Any, fitted: Any, X: Any, *, xp: Any, names: tuple[str, ...] | None = None
) -> Any:
    """Covariates for predicting with a model whose covariate coefficients are ``fitted``
    ``(p,)`` (None: fitted without): Z ``(n, p)`` in X's namespace, or None.

    ``names``: the columns of the data frame the model was fitted with; a data frame
    with other names (or the same in another order) raises.
    """
    given = covariate_names(covariates)
    if names is not None and given is not None and given != names:
        raise ValueError(
            f"the covariates' columns {list(given)} are not those the model was fitted "
            f"with, {list(names)}; select them in that order"
        )
    if fitted is None:
        if covariates is not None:
            raise ValueError("the model was fitted without covariates; pass covariates=None")
        return None
    p = int(fitted.shape[0])
    if covariates is None:
        raise ValueError(f"the model was fitted with {p} covariates; pass covariates= (n, {p})")
    Z = _real_numbers(covariates, X, xp=xp, name="covariates")
    if Z.ndim != 2 or tuple(Z.shape) != (X.shape[0], p):
        raise ValueError(f"covariates must have shape ({X.shape[0]}, {p}), got {tuple(Z.shape)}")
    if not bool(xp.all(xp.isfinite(Z))):
        raise ValueError("covariates contain NaN or infinite values")
    _check_range(Z, X.dtype, xp, small=False)
    return xp.astype(Z, X.dtype)


def check_weighted_covariates(Z: Any, weights: Any, *, xp: Any, fit_intercept: bool) -> None:
    """Z ``(n, p)`` of full rank on the samples of positive weight: a column that varies
    only on zero-weight samples has a coefficient the fit cannot determine."""
    kept = xp.nonzero(weights > 0)[0]
    if int(kept.shape[0]) == int(Z.shape[0]):
        return
    p = int(Z.shape[1])
    if p + int(fit_intercept) >= int(kept.shape[0]):
        raise ValueError(
            f"{p} covariates (and the intercept) need more than the {int(kept.shape[0])} "
            "samples of positive weight"
        )
    _check_full_rank(
        xp.take(Z, kept, axis=0), xp, fit_intercept, where=" on the samples of positive weight"
    )


def _check_full_rank(Z: Any, xp: Any, fit_intercept: bool, where: str = "") -> None:
    """Raise ``ValueError`` when Z (centred, with an intercept) is rank-deficient."""
    scale = xp.max(xp.abs(Z), axis=0)
    scaled = Z / xp.where(scale > 0, scale, 1.0)
    if fit_intercept:
        scaled = scaled - xp.mean(scaled, axis=0)
        constant = xp.max(xp.abs(scaled), axis=0) <= 1e3 * float(xp.finfo(Z.dtype).eps)
        if bool(xp.any(constant)):
            column = int(xp.argmax(xp.astype(constant, xp.int32)))
            raise ValueError(
                f"covariate column {column} is constant{where}, so it is collinear with "
                "the intercept; drop it or set fit_intercept=False"
            )
    singular = xp.linalg.svd(scaled, full_matrices=False)[1]
    tolerance = max(Z.shape) * float(xp.finfo(Z.dtype).eps) * float(singular[0])
    if not float(singular[0]) > 0 or float(singular[-1]) <= tolerance:
        raise ValueError(
            "the covariates are collinear"
            + (" (with the intercept)" if fit_intercept else "")
            + where
            + ": some column is a combination of the others; drop the redundant columns"
        )


def check_sample_weight(sample_weight: Any, X: Any, *, xp: Any) -> Any:
    """Return weights normalized to sum 1 (``(n,)``), or None."""
    if sample_weight is None:
        return None
    weight = _follow_numbers(sample_weight, X, xp=xp, name="sample_weight")
    if not xp.isdtype(weight.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"sample_weight must be real numbers, got dtype {weight.dtype}")
    if weight.ndim != 1 or weight.shape[0] != X.shape[0]:
        raise ValueError(
            f"sample_weight must have shape ({X.shape[0]},), got {tuple(weight.shape)}"
        )
    weight = xp.astype(weight, X.dtype)
    if not bool(xp.all(xp.isfinite(weight))) or bool(xp.any(weight < 0)):
        raise ValueError("sample_weight must be finite and non-negative")
    largest = xp.max(weight)
    if not float(largest) > 0:
        raise ValueError("sample_weight sums to zero")
    weight = weight / largest  # first: a sum of weights near the float maximum overflows
    return weight / xp.sum(weight)


def check_warm_start(
    start: Any, *, xp: Any, like: Any, sample_shape: tuple[int, ...], ranks: tuple[int, ...], S: int
) -> dict[str, Any]:
    """A user start as ``{"core", "factors", "intercept"}`` in X's namespace: shapes, finiteness."""
    try:
        core, factors, intercept = warm_start(start, xp=xp, like=like)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InvalidParameterError(
            f"init: the warm start's core must be an array, its factors S lists of K "
            f"arrays and its intercept a number ({exc})"
        ) from exc
    try:
        check_start_shapes(core, factors, sample_shape, ranks, S)
    except ValueError as exc:
        raise InvalidParameterError(f"init: {exc}") from exc
    core = plain_array(core, "init's core")
    factors = [[plain_array(f, "init's factors") for f in term] for term in factors]
    arrays = [("core", core)] + [
        (f"factors[{s}][{k}]", f) for s, t in enumerate(factors) for k, f in enumerate(t)
    ]
    for label, array in arrays:
        if not bool(xp.all(xp.isfinite(array))):
            raise InvalidParameterError(
                f"init: the warm start's {label} has NaN or infinite values"
            )
    finite = intercept is None or (
        bool(xp.all(xp.isfinite(intercept)))
        if getattr(intercept, "ndim", 0)
        else abs(intercept) < float("inf")
    )
    if not finite:
        raise InvalidParameterError(f"init: the warm start's intercept is {intercept}, not finite")
    get = start.get if isinstance(start, Mapping) else lambda key: getattr(start, key, None)
    return {
        "core": core,
        "factors": factors,
        "intercept": intercept,
        "covariate_coef": get("covariate_coef"),
    }


@dataclass
class FitArguments:
    """What :func:`check_fit_arguments` hands the solver, checked and in X's namespace."""

    xp: Any
    design: Design
    y: Any
    weights: Any
    ranks: tuple[int, ...]
    S: int
    start: Any  # the start object (a warm start wrapped in WarmStart)
    family: Any  # the family object
    solver: Any  # the solver object that will run (schedule="auto" resolved)
    options: dict[str, Any]  # the other parameters as plain Python values
    covariates: Any = None  # Z (n, p) in X's namespace, or None


def check_fit_arguments(
    X: Any, y: Any, *, sample_weight: Any, init: Any, covariates: Any = None, **parameters: Any
) -> FitArguments:
    """Every check ``fit_lsr`` makes before any work, cheapest first.

    Parameters (the table of :mod:`lsr_arrayapi.parameters`), then the data
    (X, y, sample_weight), the sizes (ranks and S against the sample shape),
    the solver (``schedule``) and the options it uses, and a warm start.  ``parameters`` are
    ``fit_lsr``'s keyword arguments by name; they come back in ``options`` as
    plain Python values (NumPy scalars would leak into other namespaces' arithmetic).
    """
    parameters = check_parameters("fit_lsr", init=init, **parameters)
    xp, design, like = check_design(X)
    y = check_y(y, like, xp=xp)
    weights = check_sample_weight(sample_weight, like, xp=xp)
    covariates = check_covariates(
        covariates, like, xp=xp, fit_intercept=bool(parameters["fit_intercept"])
    )
    if covariates is not None and weights is not None:
        check_weighted_covariates(
            covariates, weights, xp=xp, fit_intercept=bool(parameters["fit_intercept"])
        )
    ranks, S = check_sizes(parameters["ranks"], design.sample_shape, parameters["separation_rank"])
    family = checked_family(make_family(parameters["family"]))
    family.validate(y)
    outputs = int(family.outputs(y)) if callable(getattr(family, "outputs", None)) else 1
    if outputs > 1:  # m stacked coefficient tensors: an LSR tensor with a full-rank class mode
        design, ranks = MultiOutputDesign(design, outputs), (outputs, *ranks)
    if isinstance(init, str):
        start = get_start_class(init)()
    elif callable(getattr(init, "fit", None)) and isinstance(getattr(init, "name", None), str):
        start = init  # a start object (a fitted estimator is neither a start nor a warm start)
    else:
        point = check_warm_start(
            init, xp=xp, like=like, sample_shape=design.sample_shape, ranks=ranks, S=S
        )
        start = WarmStart(point)
    rule, rule_options, lr = parameters["rule"], parameters["rule_options"], parameters["lr"]
    rule_given = rule is not None or bool(rule_options) or lr is not None
    solver = make_solver(parameters["schedule"], design, family, S, rule_given=rule_given)
    check_solver_inputs(
        solver,
        S,
        rule=rule,
        rule_options=rule_options,
        lr=lr,
        init=start,
        n_init=parameters["n_init"],
    )
    if callable(getattr(solver, "check", None)):
        solver.check(design, S)
    return FitArguments(
        xp, design, y, weights, ranks, S, start, family, solver, parameters, covariates
    )
