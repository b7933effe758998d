"""lsr_arrayapi.plotting draws what it says: the right slices, scales, masks, lines and marks.

Each test reads the drawn artists back (image data, masks, colour limits, line
data, legend texts) and compares them with the arrays they should show.  The
gallery test runs docs/gallery/make_figures.py and checks that the gallery
page and the figures the script writes name the same PNGs.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from lsr_arrayapi import LSRFit, LSRRegressor
from lsr_arrayapi.data.datasets import make_lsr_problem
from lsr_arrayapi.plotting import plot_coef, plot_factors, plot_selection

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

ROOT = pathlib.Path(__file__).resolve().parents[1]
GALLERY_PAGE = ROOT / "docs" / "gallery.md"
GALLERY_SCRIPT = ROOT / "docs" / "gallery" / "make_figures.py"
IMAGE_LINK = re.compile(r"\]\(gallery/(?P<name>[\w-]+\.png)\)")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def problem():
    return make_lsr_problem(300, sample_shape=(6, 7, 8), ranks=(2, 2, 2), random_state=0)


@pytest.fixture(scope="module")
def model(problem):
    """S = 2, ranks differing by mode, so that every mode has its own column count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LSRRegressor(ranks=(2, 3, 1), separation_rank=2, random_state=0).fit(
            problem.X, problem.y
        )


@pytest.fixture
def coef():
    """A 3-D coefficient whose largest magnitude, negative, is at (2, 5, 3)."""
    B = np.random.default_rng(0).uniform(-1, 1, size=(6, 7, 8))
    B[2, 5, 3] = -3.0
    return B


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def shown(ax):
    return ax.images[0].get_array()


# -- plot_coef ----------------------------------------------------------------------------------


def test_the_slices_go_through_the_largest_magnitude_entry(coef):
    fig = plot_coef(coef)
    axes = image_axes(fig)
    assert len(axes) == 3
    expected = [coef[2, :, :], coef[:, 5, :], coef[:, :, 3]]
    for ax, want, title in zip(
        axes, expected, ["mode 0, index 2", "mode 1, index 5", "mode 2, index 3"], strict=True
    ):
        np.testing.assert_array_equal(np.ma.getdata(shown(ax)), want)
        assert ax.get_title() == title


def test_the_colour_scale_is_symmetric_about_zero_with_one_colorbar(coef):
    fig = plot_coef(coef)
    axes = image_axes(fig)
    for ax in axes:
        assert ax.images[0].get_clim() == (-3.0, 3.0)
    assert len(fig.axes) == len(axes) + 1, "one shared colorbar"
    montage = plot_coef(coef, kind="montage")
    assert len(montage.axes) - len(image_axes(montage)) == math.ceil(math.sqrt(8)) ** 2 - 8 + 1
    assert {ax.images[0].get_clim() for ax in image_axes(montage)} == {(-3.0, 3.0)}


def test_an_all_zero_coefficient_still_gets_a_colour_scale():
    fig = plot_coef(np.zeros((3, 4)))
    assert image_axes(fig)[0].images[0].get_clim() == (-1.0, 1.0)


def test_entries_whose_interval_covers_zero_are_masked_grey(coef):
    rng = np.random.default_rng(1)
    half = rng.uniform(0, 1.5, size=coef.shape)
    lower, upper = coef - half, coef + half
    covers = (lower <= 0) & (upper >= 0)
    assert 0 < covers.sum() < covers.size
    fig = plot_coef(coef, interval=(lower, upper))
    for ax, mask in zip(image_axes(fig), [covers[2], covers[:, 5], covers[:, :, 3]], strict=True):
        np.testing.assert_array_equal(np.ma.getmaskarray(shown(ax)), mask)
        assert ax.images[0].get_cmap().get_bad() == pytest.approx(
            matplotlib.colors.to_rgba("lightgrey")
        )
    image = plot_coef(coef[:, :, 0], interval=(lower[:, :, 0], upper[:, :, 0]))
    np.testing.assert_array_equal(np.ma.getmaskarray(shown(image.axes[0])), covers[:, :, 0])
    plain = plot_coef(coef)
    assert not np.ma.getmaskarray(shown(image_axes(plain)[0])).any()


def test_the_montage_shows_every_slice_along_the_last_mode(coef):
    fig = plot_coef(coef, kind="montage")
    axes = image_axes(fig)
    assert len(axes) == coef.shape[2]
    for index, ax in enumerate(axes):
        np.testing.assert_array_equal(np.ma.getdata(shown(ax)), coef[:, :, index])
        assert ax.get_title() == f"mode 2, index {index}"


def test_a_2d_coefficient_is_one_image_on_the_given_axes():
    B = np.arange(12.0).reshape(3, 4) - 5
    fig, ax = plt.subplots()
    assert plot_coef(B, ax=ax) is fig
    np.testing.assert_array_equal(np.ma.getdata(shown(ax)), B)
    assert ax.images[0].get_clim() == (-6.0, 6.0)


def test_slices_draw_on_three_given_axes(coef):
    fig, axes = plt.subplots(1, 3)
    assert plot_coef(coef, ax=axes) is fig
    np.testing.assert_array_equal(np.ma.getdata(shown(axes[1])), coef[:, 5, :])


def test_an_estimator_and_an_lsrfit_plot_their_coefficient(model):
    B = np.asarray(model.coef_)
    peak = np.unravel_index(np.argmax(np.abs(B)), B.shape)
    from_model = image_axes(plot_coef(model))
    np.testing.assert_allclose(np.ma.getdata(shown(from_model[0])), B[peak[0]])
    fit = LSRFit(core=model.core_, factors=model.factors_, intercept=model.intercept_)
    from_fit = image_axes(plot_coef(fit, kind="montage"))
    np.testing.assert_allclose(np.ma.getdata(shown(from_fit[-1])), B[:, :, -1], atol=1e-12)


def test_torch_coefficients_and_intervals_are_drawn(coef):
    torch = pytest.importorskip("torch")
    B = torch.asarray(coef, dtype=torch.float32, requires_grad=True)
    half = torch.full_like(B, 0.5)
    fig = plot_coef(B, interval=(B - half, B + half))
    axes = image_axes(fig)
    np.testing.assert_allclose(np.ma.getdata(shown(axes[0])), coef[2], rtol=1e-6)
    covers = np.abs(coef) <= 0.5
    np.testing.assert_array_equal(np.ma.getmaskarray(shown(axes[2])), covers[:, :, 3])


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_only_2d_and_3d_coefficients_are_drawn(shape):
    with pytest.raises(ValueError, match=r"2-D coefficients .* 3-D ones"):
        plot_coef(np.ones(shape))


def test_bad_kind_interval_or_axes_are_refused(coef):
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_coef(coef, kind="cube")
    with pytest.raises(ValueError, match="coefficient's shape"):
        plot_coef(coef, interval=(coef[:, :, :2], coef[:, :, :2]))
    with pytest.raises(ValueError, match="pair"):
        plot_coef(coef, interval=(coef,))
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="needs 3 matplotlib Axes"):
        plot_coef(coef, ax=axes)
    with pytest.raises(ValueError, match="needs 1 matplotlib Axes"):
        plot_coef(coef[:, :, 0], ax=axes)


def test_an_unfitted_estimator_is_refused():
    with pytest.raises(NotFittedError):
        plot_coef(LSRRegressor())
    with pytest.raises(NotFittedError):
        plot_factors(LSRRegressor())


def test_without_matplotlib_the_error_says_how_to_install_it(monkeypatch, coef):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_coef(coef)


# -- plot_factors -------------------------------------------------------------------------------


def factor_lines(ax):
    return [line for line in ax.get_lines() if str(line.get_label()).startswith("column")]


def test_plot_factors_draws_every_column_of_every_factor(model):
    fig = plot_factors(model)
    S, K = len(model.factors_), len(model.factors_[0])
    assert len(fig.axes) == S * K
    for s in range(S):
        for k in range(K):
            ax, factor = fig.axes[s * K + k], np.asarray(model.factors_[s][k])
            lines = factor_lines(ax)
            assert len(lines) == factor.shape[1]
            for j, line in enumerate(lines):
                np.testing.assert_array_equal(line.get_xdata(), np.arange(factor.shape[0]))
                np.testing.assert_array_equal(line.get_ydata(), factor[:, j])
            legend = [text.get_text() for text in ax.get_legend().get_texts()]
            assert legend == [f"column {j}" for j in range(factor.shape[1])]
            assert ax.get_title() == f"term {s}, mode {k}"


def test_plot_factors_draws_one_term_on_given_axes(model):
    fig, axes = plt.subplots(1, 3)
    assert plot_factors(model, term=1, axes=axes) is fig
    np.testing.assert_array_equal(
        factor_lines(axes[1])[2].get_ydata(), np.asarray(model.factors_[1][1])[:, 2]
    )
    with pytest.raises(ValueError, match="term must be in"):
        plot_factors(model, term=2)
    with pytest.raises(ValueError, match="needs 6 matplotlib Axes"):
        plot_factors(model, axes=axes)
    with pytest.raises(TypeError, match="fitted LSR estimator or an LSRFit"):
        plot_factors(np.ones((3, 4)))


# -- plot_selection -----------------------------------------------------------------------------

TABLE = [
    {"ranks": (1, 1, 1), "separation_rank": 1, "n_params": 20, "criterion": 690.0},
    {"ranks": (3, 3, 3), "separation_rank": 1, "n_params": 64, "criterion": 220.0},
    {"ranks": (2, 2, 2), "separation_rank": 1, "n_params": 39, "criterion": 450.0},
    {"ranks": (1, 1, 1), "separation_rank": 2, "n_params": 38, "criterion": 445.0},
    {"ranks": (2, 2, 2), "separation_rank": 2, "n_params": 72, "criterion": -170.0},
    {"ranks": (3, 3, 3), "separation_rank": 2, "n_params": 109, "criterion": -57.0},
]


def test_plot_selection_draws_one_series_per_separation_rank_and_marks_the_best():
    fig = plot_selection(TABLE)
    (ax,) = fig.axes
    series = [line for line in ax.get_lines() if str(line.get_label()).startswith("S = ")]
    assert [line.get_label() for line in series] == ["S = 1", "S = 2"]
    np.testing.assert_array_equal(series[0].get_xdata(), [20, 39, 64])
    np.testing.assert_array_equal(series[0].get_ydata(), [690.0, 450.0, 220.0])
    (best,) = ax.collections
    np.testing.assert_array_equal(best.get_offsets(), [[72, -170.0]])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "best: ranks (2, 2, 2), S = 2" in legend
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        ["(1, 1, 1)", "(2, 2, 2)", "(3, 3, 3)"] * 2
    )


def test_plot_selection_refuses_what_is_not_a_selection_table():
    with pytest.raises(ValueError, match="empty"):
        plot_selection([])
    with pytest.raises(ValueError, match="lacks \\['criterion'\\]"):
        plot_selection([{"ranks": 2, "separation_rank": 1, "n_params": 3}])


# -- the gallery --------------------------------------------------------------------------------


def test_the_gallery_script_writes_every_figure_the_page_shows(tmp_path):
    referenced = {match["name"] for match in IMAGE_LINK.finditer(GALLERY_PAGE.read_text())}
    assert referenced, "the gallery page shows no figure"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, str(GALLERY_SCRIPT), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    written = {path.name for path in tmp_path.glob("*.png")}
    assert written == referenced, (
        f"page only: {referenced - written}, script only: {written - referenced}"
    )
    for name in written:
        size = (tmp_path / name).stat().st_size
        assert 0 < size < 150_000, f"{name}: {size} bytes"
    committed = {path.name for path in GALLERY_SCRIPT.parent.glob("*.png")}
    assert committed == referenced, "regenerate with python docs/gallery/make_figures.py"
