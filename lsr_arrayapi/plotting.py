"""Figures of a fitted model: the coefficient tensor, the factor matrices, a rank selection.

Three functions, each returning the matplotlib ``Figure`` it drew on:

* :func:`plot_coef`: the coefficient tensor B, an image for K = 2; for K = 3
  three orthogonal slices through its largest-magnitude entry, or a montage
  of every slice along the last mode; optionally greyed where a confidence
  interval covers zero.
* :func:`plot_factors`: the columns of every factor matrix ``(d_k, r_k)``.
* :func:`plot_selection`: the table of :func:`~lsr_arrayapi.select_ranks`,
  criterion against the number of parameters.

matplotlib is an optional dependency (``pip install matplotlib``, or the
``plot`` extra), imported when a function is called.  Arrays of any array-API
namespace are accepted; they are copied to the host here, for drawing only.
Modes, terms, indices and factor columns are numbered from 0, as Python
indexes ``coef_`` and ``factors_[s][k]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lsr_arrayapi._backends import to_host
from lsr_arrayapi.result import LSRFit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_coef", "plot_factors", "plot_selection"]

#: The layouts :func:`plot_coef` draws a 3-D coefficient in.
KINDS = ("slices", "montage")
#: The colour of the entries whose interval covers zero.
COVERS_ZERO = "lightgrey"
#: The keys :func:`plot_selection` reads from each row of the table.
SELECTION_KEYS = ("ranks", "separation_rank", "n_params", "criterion")


def plot_coef(
    model_or_array: Any,
    *,
    kind: str = "slices",
    interval: tuple[Any, Any] | None = None,
    ax: Axes | Sequence[Axes] | np.ndarray | None = None,
    cmap: Any = "RdBu_r",
) -> Figure:
    """Draw the coefficient tensor B on a colour scale symmetric about zero.

    A 2-D coefficient is one image (rows: mode 0, columns: mode 1).  A 3-D
    coefficient is drawn as ``kind`` says: ``"slices"``, the three orthogonal
    slices through the entry of largest magnitude (``B[i, :, :]``,
    ``B[:, j, :]``, ``B[:, :, l]``, each titled with its mode and index), or
    ``"montage"``, every slice ``B[:, :, l]`` along the last mode in a grid.
    The colour limits are ``-m`` and ``m`` with ``m = max |B|``, shared by all
    panels and shown by one colorbar; masked entries (see ``interval``) and
    non-finite ones are drawn light grey.

    Parameters
    ----------
    model_or_array : estimator, LSRFit or array of shape (d_0, d_1) or (d_0, d_1, d_2)
        A fitted LSR estimator (its ``coef_``), an :class:`~lsr_arrayapi.LSRFit`
        (its ``coef``), or the coefficient itself, of any array-API namespace.
    kind : {"slices", "montage"}, default="slices"
        The layout of a 3-D coefficient (a 2-D one is always one image).
    interval : tuple of two arrays of the coefficient's shape, or None, default=None
        ``(lower, upper)`` confidence bounds for every entry, of any namespace
        (``model.coef_interval(X, y)``); the entries whose interval covers zero
        (``lower <= 0 <= upper``) are drawn light grey.
    ax : Axes or sequence of Axes or None, default=None
        Where to draw: one Axes for a 2-D coefficient, three for ``"slices"``,
        ``d_2`` for ``"montage"`` (an array from ``plt.subplots`` is read row
        by row); None makes a new figure.
    cmap : str or Colormap, default="RdBu_r"
        The diverging colormap (a copy is made, its "bad" colour set to light grey).

    Returns
    -------
    Figure
        The figure drawn on (the root figure of ``ax``, when given).

    Raises
    ------
    ValueError
        For a coefficient that is not 2-D or 3-D, an unknown ``kind``, an
        ``interval`` of the wrong shape, or the wrong number of Axes.
    sklearn.exceptions.NotFittedError
        For an estimator that is not fitted.
    ImportError
        When matplotlib is not installed.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    _pyplot()
    coef = _coefficient(model_or_array)
    if coef.ndim not in (2, 3):
        raise ValueError(
            f"plot_coef draws 2-D coefficients (an image) and 3-D ones (slices or a montage); "
            f"this one has K = {coef.ndim} modes, shape {coef.shape}"
        )
    covers_zero = _covers_zero(interval, coef.shape)
    image = np.ma.masked_array(coef, mask=covers_zero | ~np.isfinite(coef))
    limit = _limit(coef)
    style = {"cmap": _with_grey(cmap), "vmin": -limit, "vmax": limit}
    if coef.ndim == 2:
        return _draw_panels([image], ["B"], [(0, 1)], ax, style, columns=1)
    if kind == "slices":
        peak = _peak(coef)
        panels = [image[(slice(None),) * mode + (peak[mode],)] for mode in range(3)]
        titles = [f"mode {mode}, index {peak[mode]}" for mode in range(3)]
        labels = [(1, 2), (0, 2), (0, 1)]
        return _draw_panels(panels, titles, labels, ax, style, columns=3)
    depth = coef.shape[2]
    panels = [image[:, :, index] for index in range(depth)]
    titles = [f"mode 2, index {index}" for index in range(depth)]
    return _draw_panels(panels, titles, [(0, 1)] * depth, ax, style, math.ceil(math.sqrt(depth)))


def plot_factors(
    model: Any,
    *,
    term: int | None = None,
    axes: Sequence[Axes] | np.ndarray | None = None,
) -> Figure:
    """Draw the columns of every factor matrix against the index along its mode.

    One subplot per mode ``k`` (columns of the grid) and separation term ``s``
    (rows), each with one line per column ``j`` of ``factors[s][k]``, shape
    ``(d_k, r_k)``, labelled ``"column j"``.

    Parameters
    ----------
    model : estimator or LSRFit
        A fitted LSR estimator (its ``factors_``) or an :class:`~lsr_arrayapi.LSRFit`
        (its ``factors``): S lists of K arrays of shape ``(d_k, r_k)``, any namespace.
    term : int or None, default=None
        Draw only the separation term ``factors[term]`` (0 <= term < S); None draws all S.
    axes : sequence of Axes or None, default=None
        Where to draw: K Axes per term drawn, term by term (a 2-D array from
        ``plt.subplots`` is read row by row); None makes a new figure.

    Returns
    -------
    Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        For a ``term`` out of range or the wrong number of Axes.
    TypeError
        For a ``model`` that is neither an estimator nor an LSRFit.
    sklearn.exceptions.NotFittedError
        For an estimator that is not fitted.
    ImportError
        When matplotlib is not installed.
    """
    _pyplot()
    factors = _factors(model)
    if term is not None and not 0 <= term < len(factors):
        raise ValueError(
            f"term must be in [0, {len(factors) - 1}] (S = {len(factors)}), got {term}"
        )
    terms = range(len(factors)) if term is None else [term]
    K = len(factors[0])
    fig, grid = _axes_grid(axes, len(terms) * K, columns=K, size=(2.8, 2.2))
    for row, s in enumerate(terms):
        for k, factor in enumerate(factors[s]):
            _draw_factor(grid[row * K + k], factor, f"term {s}, mode {k}")
    return fig


def plot_selection(table: Sequence[dict[str, Any]], *, ax: Axes | None = None) -> Figure:
    """Draw a rank selection: the criterion against the number of parameters.

    One line of markers per separation rank S, in the order of ``n_params``,
    each point annotated with its ranks; the candidate of lowest criterion
    (the one :func:`~lsr_arrayapi.select_ranks` returns) is ringed and named
    in the legend.

    Parameters
    ----------
    table : sequence of dict
        The table returned by :func:`~lsr_arrayapi.select_ranks`: rows with
        ``ranks``, ``separation_rank``, ``n_params`` and ``criterion`` (other
        keys are ignored).
    ax : Axes or None, default=None
        Where to draw; None makes a new figure.

    Returns
    -------
    Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        For an empty table or rows without the keys read.
    ImportError
        When matplotlib is not installed.
    """
    _pyplot()
    rows = _selection_rows(table)
    fig, (ax,) = _axes_grid(None if ax is None else [ax], 1, columns=1, size=(5.0, 3.6))
    for number, S in enumerate(sorted({row["separation_rank"] for row in rows})):
        series = sorted((row for row in rows if row["separation_rank"] == S), key=_n_params)
        x, y = [_n_params(row) for row in series], [float(row["criterion"]) for row in series]
        ax.plot(x, y, marker="o", label=f"S = {S}")
        for row, xi, yi in zip(series, x, y, strict=True):
            ax.annotate(
                _ranks_text(row["ranks"]),
                (xi, yi),
                textcoords="offset points",
                xytext=(5, 5) if number % 2 == 0 else (5, -11),  # alternate series: above, below
                fontsize=7,
            )
    best = min(rows, key=lambda row: float(row["criterion"]))
    ax.scatter(
        [_n_params(best)],
        [float(best["criterion"])],
        s=160,
        facecolors="none",
        edgecolors="black",
        linewidths=1.5,
        zorder=3,
        label=f"best: ranks {_ranks_text(best['ranks'])}, S = {best['separation_rank']}",
    )
    ax.margins(x=0.12, y=0.12)  # room for the labels of the outermost points
    ax.set_xlabel("number of parameters")
    ax.set_ylabel("criterion (lower is better)")
    ax.legend(fontsize=8)
    return fig


# -- inputs -------------------------------------------------------------------------------------


def _pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "lsr_arrayapi.plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'lsr_arrayapi[plot]')"
        ) from exc
    return plt


def _is_estimator(obj: Any) -> bool:
    return callable(getattr(obj, "fit", None)) and callable(getattr(obj, "get_params", None))


def _coefficient(obj: Any) -> np.ndarray:
    """The coefficient of an estimator, an LSRFit or an array, as a float NumPy array."""
    if isinstance(obj, LSRFit):
        return _host_float(obj.coef)
    if _is_estimator(obj):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj, "coef_")
        return _host_float(obj.coef_)
    return _host_float(obj)


def _factors(obj: Any) -> list[list[np.ndarray]]:
    """The factor matrices of an estimator or an LSRFit, as NumPy arrays."""
    if isinstance(obj, LSRFit):
        factors = obj.factors
    elif _is_estimator(obj):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj, "factors_")
        factors = obj.factors_
    else:
        raise TypeError(
            f"plot_factors needs a fitted LSR estimator or an LSRFit, got {type(obj).__name__}"
        )
    return [[_host_float(factor) for factor in term] for term in factors]


def _host_float(x: Any) -> np.ndarray:
    return np.asarray(to_host(x), dtype=np.float64)


def _covers_zero(interval: tuple[Any, Any] | None, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of shape ``shape``: True where ``lower <= 0 <= upper``."""
    if interval is None:
        return np.zeros(shape, dtype=bool)
    try:
        lower, upper = (_host_float(bound) for bound in interval)
    except (TypeError, ValueError):
        raise ValueError(
            "interval must be a (lower, upper) pair of arrays shaped like the coefficient"
        ) from None
    if lower.shape != shape or upper.shape != shape:
        raise ValueError(
            f"interval bounds must have the coefficient's shape {shape}, "
            f"got lower {lower.shape} and upper {upper.shape}"
        )
    return (lower <= 0) & (upper >= 0)


def _selection_rows(table: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = list(table)
    if not rows:
        raise ValueError("the selection table is empty")
    for index, row in enumerate(rows):
        missing = [key for key in SELECTION_KEYS if key not in row]
        if missing:
            raise ValueError(
                f"row {index} of the selection table lacks {missing}; "
                "plot_selection reads the table select_ranks returns"
            )
    return rows


# -- drawing ------------------------------------------------------------------------------------


def _limit(coef: np.ndarray) -> float:
    """``max |B|`` over the finite entries, 1 where there is none or it is 0."""
    finite = np.abs(coef[np.isfinite(coef)])
    peak = float(finite.max()) if finite.size else 0.0
    return peak if peak > 0 else 1.0


def _peak(coef: np.ndarray) -> tuple[int, ...]:
    """The index of the entry of largest magnitude (NaNs ignored)."""
    flat = int(np.argmax(np.nan_to_num(np.abs(coef), nan=-1.0)))
    return tuple(int(i) for i in np.unravel_index(flat, coef.shape))


def _with_grey(cmap: Any) -> Any:
    """A copy of ``cmap`` whose "bad" (masked) colour is light grey."""
    import matplotlib

    return matplotlib.colormaps.get_cmap(cmap).with_extremes(bad=COVERS_ZERO)


def _figure_of(ax: Axes) -> Figure:
    """The root figure of ``ax`` (through any SubFigure)."""
    figure: Any = ax.figure
    return figure.figure  # a Figure's ``figure`` is itself, a SubFigure's is its root


def _axes_grid(
    axes: Any, count: int, *, columns: int, size: tuple[float, float]
) -> tuple[Figure, list[Axes]]:
    """``count`` Axes: the ones given (checked) or a new constrained-layout grid."""
    if axes is None:
        rows = math.ceil(count / columns)
        fig, grid = _pyplot().subplots(
            rows,
            columns,
            figsize=(size[0] * columns, size[1] * rows),
            layout="constrained",
            squeeze=False,
        )
        flat = list(grid.ravel())
        for extra in flat[count:]:
            extra.set_axis_off()
        return fig, flat[:count]
    _pyplot()
    from matplotlib.axes import Axes

    flat = [axes] if isinstance(axes, Axes) else list(np.ravel(np.asarray(axes, dtype=object)))
    if len(flat) != count or not all(isinstance(a, Axes) for a in flat):
        raise ValueError(f"this figure needs {count} matplotlib Axes, got {_describe(axes)}")
    return _figure_of(flat[0]), flat


def _describe(axes: Any) -> str:
    if isinstance(axes, Sequence | np.ndarray):
        kinds = sorted({type(a).__name__ for a in np.ravel(np.asarray(axes, dtype=object))})
        return f"{np.size(np.asarray(axes, dtype=object))} of type(s) {kinds}"
    return f"one {type(axes).__name__}"


def _draw_panels(
    panels: list[np.ma.MaskedArray],
    titles: list[str],
    labels: list[tuple[int, int]],
    ax: Any,
    style: dict[str, Any],
    columns: int,
) -> Figure:
    """One image per panel, titled, axes labelled by mode, and one shared colorbar."""
    size = (3.2, 3.0) if len(panels) <= 3 else (1.9, 1.8)
    fig, grid = _axes_grid(ax, len(panels), columns=columns, size=size)
    images = []
    for axis, panel, title, (rows, cols) in zip(grid, panels, titles, labels, strict=True):
        images.append(axis.imshow(panel, interpolation="nearest", **style))
        axis.set_title(title, fontsize=9)
        if len(panels) <= 3:
            axis.set_ylabel(f"mode {rows}")
            axis.set_xlabel(f"mode {cols}")
            _integer_ticks(axis)
        else:
            axis.set_xticks([])
            axis.set_yticks([])
    grid[0].figure.colorbar(images[0], ax=grid, shrink=0.8, label="coefficient")
    return fig


def _draw_factor(ax: Axes, factor: np.ndarray, title: str) -> None:
    index = np.arange(factor.shape[0])
    for j in range(factor.shape[1]):
        ax.plot(index, factor[:, j], marker=".", label=f"column {j}")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    _integer_ticks(ax, y=False)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("index")
    ax.legend(fontsize=7)


def _integer_ticks(ax: Axes, *, y: bool = True) -> None:
    """Tick only whole indices on the x axis (and the y axis)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if y:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _n_params(row: dict[str, Any]) -> int:
    return int(row["n_params"])


def _ranks_text(ranks: Any) -> str:
    values = (ranks,) if isinstance(ranks, int | np.integer) else tuple(ranks)
    return "(" + ", ".join(str(int(r)) for r in values) + ")"
