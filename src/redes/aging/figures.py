"""Face aging's figures: test faces at every age, the players' losses, metrics per group, the estimator's errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from redes import figures  # selects the Agg backend before pyplot draws
from redes.aging.groups import GROUP_NAMES, age_group

# The CAAE's per-epoch losses, by player, as `Caae.train_step` logs them.
PLAYER_LOSSES = {
    "encoder and generator": (
        "loss",
        "reconstruction",
        "structural_dissimilarity",
        "image_adversarial",
        "z_adversarial",
        "age_classification",
        "z_age_hiding",
    ),
    "z discriminator": ("z_discriminator_loss",),
    "image discriminator": ("image_discriminator_loss",),
    "z age classifier": ("z_age_classifier_loss",),
}


def aging_grid_figure(faces: np.ndarray, rendered: np.ndarray, captions: list[str]) -> Figure:
    """Each row a test face as it is, then at each age group: uint8 faces (N, S, S, 3), rendered (N, G, S, S, 3)."""
    rows, groups = rendered.shape[:2]
    figure, axes_grid = plt.subplots(
        rows, groups + 1, figsize=(1.0 * (groups + 1), 1.05 * rows + 0.5), layout="constrained", squeeze=False
    )
    for row in range(rows):
        for column, image in enumerate([faces[row], *rendered[row]]):
            axes = axes_grid[row, column]
            axes.imshow(image)
            axes.set_xticks([])
            axes.set_yticks([])
            if row == 0:
                axes.set_title("input" if column == 0 else GROUP_NAMES[column - 1], fontsize=8)
        axes_grid[row, 0].set_ylabel(captions[row], fontsize=7)
    figure.suptitle("Test faces rendered at every age group (each row one person; left: the face as given)")
    return figure


def losses_figure(history: pd.DataFrame) -> Figure:
    """The players' losses per epoch: the encoder-generator's terms, and each discriminator's and classifier's."""
    # A term weighed 0 (or a player the params leave out) logs zeros: it gets no line, nor an empty panel.
    trained = {
        player: [column for column in columns if column in history and history[column].abs().sum() > 0]
        for player, columns in PLAYER_LOSSES.items()
    }
    trained = {player: columns for player, columns in trained.items() if columns}
    figure, axes_row = plt.subplots(
        1, len(trained), figsize=(3.3 * len(trained) + 3, 3.6), layout="constrained", squeeze=False
    )
    for axes, (player, columns) in zip(axes_row[0], trained.items(), strict=True):
        for column in columns:
            axes.plot(history["epoch"], history[column], marker=".", label=column.replace("_", " "))
        if player == "encoder and generator" and "val_reconstruction" in history:
            axes.plot(history["epoch"], history["val_reconstruction"], marker=".", label="validation reconstruction")
        axes.set_title(player)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=7)
    figure.suptitle("CAAE training: the losses of its players")
    return figure


def per_group_figure(per_group: Mapping[str, Mapping[str, float]]) -> Figure:
    """Age accuracy (exact, within one) and the mean estimated age of faces rendered at each group."""
    names = list(per_group)
    positions = np.arange(len(names))
    figure, (accuracy_axes, age_axes) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for offset, key, label in (
        (-0.2, "group_accuracy", "exact group"),
        (0.2, "group_accuracy_within_one", "within one"),
    ):
        accuracy_axes.bar(positions + offset, [per_group[name][key] for name in names], width=0.4, label=label)
    accuracy_axes.set_ylabel("share of renderings read in the target group")
    accuracy_axes.set_ylim(0, 1)
    age_axes.plot(positions, [per_group[name]["estimated_age_mean"] for name in names], marker="o")
    age_axes.set_ylabel("mean estimated age of the renderings")
    for axes in (accuracy_axes, age_axes):
        axes.set_xticks(positions, names)
        axes.set_xlabel("target age group")
        axes.grid(alpha=0.3)
    accuracy_axes.legend(fontsize=8)
    figure.suptitle("Faces rendered at each age group, as the age estimator reads them")
    return figure


def estimator_errors_figure(true_ages: np.ndarray, estimated_ages: np.ndarray, mae: float) -> Figure:
    """The estimator on real test faces: estimated against true age, and the error per true age group."""
    figure, (scatter_axes, error_axes) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    scatter_axes.scatter(true_ages, estimated_ages, s=3, alpha=0.3)
    top = float(max(true_ages.max(), estimated_ages.max()))
    scatter_axes.plot([0, top], [0, top], color="C3", linewidth=1, label="estimate = truth")
    scatter_axes.set_xlabel("true age")
    scatter_axes.set_ylabel("estimated age")
    scatter_axes.legend(fontsize=8)
    groups = age_group(true_ages)
    errors = [np.abs(estimated_ages - true_ages)[groups == group] for group in range(len(GROUP_NAMES))]
    error_axes.boxplot(errors, tick_labels=list(GROUP_NAMES), showfliers=False)
    error_axes.set_xlabel("true age group")
    error_axes.set_ylabel("absolute error (years)")
    for axes in (scatter_axes, error_axes):
        axes.grid(alpha=0.3)
    figure.suptitle(f"The age estimator on real test faces: MAE {mae:.2f} years")
    return figure


def grid_rows(ages: np.ndarray) -> np.ndarray:
    """The test faces the grid shows: the first of each age group present, in group order."""
    groups = age_group(ages)
    return np.array([int(np.argmax(groups == group)) for group in range(len(GROUP_NAMES)) if np.any(groups == group)])


def write_figures(
    faces: np.ndarray,
    ages: np.ndarray,
    rendered: np.ndarray,
    estimated_test_ages: np.ndarray,
    scores: Mapping,
    caae_history: pd.DataFrame,
    out_dir: Path,
) -> list[Path]:
    """The report's four figures of face aging, from the test faces (uint8), their renderings and the scores."""
    rows = grid_rows(ages)
    return [
        figures.save(
            aging_grid_figure(faces[rows], rendered[rows], [f"age {ages[row]}" for row in rows]),
            out_dir / "aging_grid.png",
        ),
        figures.save(losses_figure(caae_history), out_dir / "losses.png"),
        figures.save(per_group_figure(scores["aging"]["per_group"]), out_dir / "per_group.png"),
        figures.save(
            estimator_errors_figure(ages, estimated_test_ages, scores["estimator"]["test_mae"]),
            out_dir / "estimator_errors.png",
        ),
    ]
