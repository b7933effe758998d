"""The gallery's figures: ``python docs/gallery/make_figures.py [OUTDIR]``.

Writes one PNG per figure into OUTDIR (default: this script's folder, where
the gallery page finds them).  Each section below is shown on the page with
the figure it makes, so each imports what it uses.
"""

# ruff: noqa: E402

# --8<-- [start:setup]
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent
OUT.mkdir(parents=True, exist_ok=True)


def save(fig, name):
    """Write ``fig`` as OUT/name.png (80 dpi) and close it."""
    fig.savefig(OUT / f"{name}.png", dpi=80)
    plt.close(fig)


# --8<-- [end:setup]

# --8<-- [start:digits]
from sklearn.datasets import load_digits

from lsr_arrayapi import LSRClassifier
from lsr_arrayapi.plotting import plot_coef

digits = load_digits()
pair = np.isin(digits.target, (3, 8))
images, labels = digits.images[pair] / 16, digits.target[pair]  # 357 images, 8 x 8
classifier = LSRClassifier(ranks=2, alpha=0.1, random_state=0).fit(images, labels)
fig = plot_coef(classifier)
fig.axes[0].set_title("red: an 8, blue: a 3")
save(fig, "digits_coef")
# --8<-- [end:digits]

# --8<-- [start:volume]
from lsr_arrayapi import LSRRegressor
from lsr_arrayapi.data.datasets import make_lsr_problem

volume = make_lsr_problem(
    2000, sample_shape=(12, 14, 16), ranks=(2, 2, 2), separation_rank=2, random_state=0
)
model = LSRRegressor(ranks=2, separation_rank=2, random_state=0).fit(volume.X, volume.y)

fig = plt.figure(figsize=(9.6, 6.4), layout="constrained")
fitted, truth = fig.subfigures(2, 1)
plot_coef(model, ax=fitted.subplots(1, 3))
fitted.suptitle("fitted coef_")
plot_coef(volume.coef, ax=truth.subplots(1, 3))
truth.suptitle("true coefficient")
save(fig, "volume_slices")

save(plot_coef(model, kind="montage"), "volume_montage")
# --8<-- [end:volume]

# --8<-- [start:interval]
lower, upper = model.coef_interval(volume.X, volume.y)  # 95% Fisher intervals
save(plot_coef(model, kind="montage", interval=(lower, upper)), "volume_interval")
# --8<-- [end:interval]

# --8<-- [start:factors]
from lsr_arrayapi.plotting import plot_factors

save(plot_factors(model), "volume_factors")
# --8<-- [end:factors]

# --8<-- [start:selection]
from lsr_arrayapi import select_ranks
from lsr_arrayapi.plotting import plot_selection

small = make_lsr_problem(
    300, sample_shape=(6, 7, 8), ranks=(2, 2, 2), separation_rank=2, random_state=0
)
best, table = select_ranks(
    LSRRegressor(random_state=0), small.X, small.y, ranks=(1, 2, 3), separation_ranks=(1, 2)
)
save(plot_selection(table), "selection")
# --8<-- [end:selection]
