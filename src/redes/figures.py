"""Figures shared by the projects: matplotlib (Agg), fixed size and dpi, saved as PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

DPI = 100


def save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata keeps the PNG bytes identical when the figure is.
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    plt.close(figure)
    return path


def confusion_matrix_figure(
    confusion: np.ndarray, labels: Sequence[str], title: str, xticks_rotation: float = 0.0
) -> Figure:
    figure, axes = plt.subplots(figsize=(6, 5.5), layout="constrained")
    ConfusionMatrixDisplay(confusion, display_labels=list(labels)).plot(
        ax=axes, cmap="Blues", colorbar=False, values_format="d", xticks_rotation=xticks_rotation
    )
    axes.set_title(title)
    return figure


def training_curves_figure(histories: pd.DataFrame | Mapping[str, pd.DataFrame], title: str) -> Figure:
    """Loss and accuracy per epoch, training against validation; several runs (e.g. seeds) by name, overlaid."""
    runs = {"": histories} if isinstance(histories, pd.DataFrame) else dict(histories)
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for index, (name, history) in enumerate(runs.items()):
        prefix = f"{name} " if name else ""
        for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
            # A colour pair per run: C0/C1 for the first, C2/C3 for the second, ...
            axes.plot(history["epoch"], history[metric], marker=".", color=f"C{2 * index}", label=f"{prefix}training")
            axes.plot(
                history["epoch"],
                history[f"val_{metric}"],
                marker=".",
                color=f"C{2 * index + 1}",
                label=f"{prefix}validation",
            )
    for axes, metric in ((loss_axes, "loss"), (accuracy_axes, "accuracy")):
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8 if len(runs) > 1 else None)
    loss_axes.set_yscale("log")
    figure.suptitle(title)
    return figure


def image_grid_figure(images: np.ndarray, captions: Sequence[str], title: str, columns: int = 8) -> Figure:
    """Greyscale images in a grid, each with a caption (at most `4 * columns` shown)."""
    count = min(len(images), 4 * columns)
    rows = max(1, -(-count // columns))
    figure, axes_grid = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows + 0.4), layout="constrained")
    for index, axes in enumerate(np.atleast_1d(axes_grid).ravel()):
        axes.axis("off")
        if index < count:
            axes.imshow(images[index].squeeze(), cmap="gray_r", vmin=0.0, vmax=1.0)
            axes.set_title(captions[index], fontsize=8)
    figure.suptitle(title)
    return figure
