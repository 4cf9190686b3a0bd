"""Test-subject evaluation of the HAR models: per seed, then mean ± std over seeds, and the figures.

Every number is on the test subjects only, whom no model saw in training or
validation. A model's confusion matrix sums its seeds' matrices, so it shows where
the model as a recipe errs rather than one lucky or unlucky seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

# The known hard pair: both postures are still, and differ only in how gravity falls on the phone.
HARD_PAIR = ("sitting", "standing")


@dataclass(frozen=True)
class SeedEvaluation:
    """One trained model (one seed) on the test windows."""

    accuracy: float
    macro_f1: float
    confusion: np.ndarray  # rows: true class, columns: predicted
    per_subject_accuracy: dict[int, float]


def evaluate_predictions(y_true: np.ndarray, y_pred: np.ndarray, subjects: np.ndarray, classes: int) -> SeedEvaluation:
    labels = list(range(classes))
    return SeedEvaluation(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        per_subject_accuracy={
            int(subject): float(accuracy_score(y_true[subjects == subject], y_pred[subjects == subject]))
            for subject in np.unique(subjects)
        },
    )


def _std(values: Sequence[float]) -> float:
    """Sample standard deviation (ddof 1) over seeds; 0 for a single seed."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarize(evaluations: Mapping[int, SeedEvaluation], class_names: Sequence[str]) -> dict:
    """One model's entry of reports/metrics/har.json, from its evaluation under each seed."""
    accuracies = [e.accuracy for e in evaluations.values()]
    f1_scores = [e.macro_f1 for e in evaluations.values()]
    confusion = sum(e.confusion for e in evaluations.values())
    errors = confusion.sum() - np.trace(confusion)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diag(confusion) / confusion.sum(axis=1)
    summary = {
        "test_accuracy_mean": float(np.mean(accuracies)),
        "test_accuracy_std": _std(accuracies),
        "macro_f1_mean": float(np.mean(f1_scores)),
        "macro_f1_std": _std(f1_scores),
        "test_accuracy_best": float(np.max(accuracies)),
        "seeds": {str(seed): {"test_accuracy": e.accuracy, "macro_f1": e.macro_f1} for seed, e in evaluations.items()},
        "per_class_accuracy": {name: float(r) for name, r in zip(class_names, recall, strict=True) if np.isfinite(r)},
        "per_subject_accuracy": {
            str(subject): float(np.mean([e.per_subject_accuracy[subject] for e in evaluations.values()]))
            for subject in next(iter(evaluations.values())).per_subject_accuracy
        },
    }
    if set(HARD_PAIR) <= set(class_names):
        sitting, standing = (list(class_names).index(name) for name in HARD_PAIR)
        pair_errors = confusion[sitting, standing] + confusion[standing, sitting]
        # What share of all test errors is sitting taken for standing or back.
        summary["sitting_standing_error_share"] = float(pair_errors / errors) if errors else 0.0
    return summary


def summed_confusion(evaluations: Mapping[int, SeedEvaluation]) -> np.ndarray:
    return sum(e.confusion for e in evaluations.values())


def per_subject_table(metrics: Mapping[str, dict]) -> pd.DataFrame:
    """Test accuracy (mean over seeds) with a row per test subject and a column per model."""
    table = pd.DataFrame({name: entry["per_subject_accuracy"] for name, entry in metrics.items()})
    table.index = table.index.astype(int)
    return table.sort_index().rename_axis("subject")


def per_subject_figure(table: pd.DataFrame, title: str) -> Figure:
    """`per_subject_table` as grouped bars: the subjects a model finds hard stand out."""
    figure, axes = plt.subplots(figsize=(10, 4.4), layout="constrained")
    table.mul(100).plot.bar(ax=axes, width=0.8, rot=0)  # table's columns are the models
    axes.set_xlabel("test subject")
    axes.set_ylabel("accuracy (%)")
    axes.set_ylim(max(0.0, table.min().min() * 100 - 10), 100)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(ncols=len(table.columns), loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8)
    axes.set_title(title)
    return figure
