"""Face aging's figures drawn from small made-up results: every panel there, saved as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from redes import figures
from redes.aging.figures import aging_grid_figure, estimator_errors_figure, losses_figure, per_group_figure
from redes.aging.groups import GROUP_NAMES


def test_the_figures_draw_and_save(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    rendered = rng.integers(0, 256, (3, 10, 16, 16, 3), dtype=np.uint8)
    grid = aging_grid_figure(faces, rendered, ["25, female", "40, male", "8, female"])
    assert len(grid.axes) == 3 * 11 and grid.axes[1].get_title() == "0-5"
    history = pd.DataFrame(
        {"epoch": [1, 2], "loss": [0.3, 0.2], "reconstruction": [0.3, 0.2], "image_adversarial": [0.7, 0.6],
         "z_adversarial": [0.0, 0.0], "z_discriminator_loss": [1.4, 1.3], "image_discriminator_loss": [1.2, 1.1],
         "val_reconstruction": [0.31, 0.22]}
    )  # fmt: skip
    losses = losses_figure(history)
    labels = [text.get_text() for text in losses.axes[0].get_legend().get_texts()]
    assert "z adversarial" not in labels and "validation reconstruction" in labels  # a term weighted 0 is left out
    # No z age classifier in this history: three panels, the encoder-generator's and the two discriminators'.
    assert [axes.get_title() for axes in losses.axes] == [
        "encoder and generator",
        "z discriminator",
        "image discriminator",
    ]
    per_group = {name: {"group_accuracy": 0.3, "group_accuracy_within_one": 0.7, "estimated_age_mean": 30.0}
                 for name in GROUP_NAMES}  # fmt: skip
    ages = rng.integers(1, 90, 200)
    errors = estimator_errors_figure(ages, ages + rng.normal(0, 5, 200), mae=4.0)
    assert "MAE 4.00 years" in errors.get_suptitle()
    for name, figure in (
        ("grid", grid),
        ("losses", losses),
        ("groups", per_group_figure(per_group)),
        ("errors", errors),
    ):
        path = figures.save(figure, tmp_path / f"{name}.png")
        assert Image.open(path).size[0] > 300
