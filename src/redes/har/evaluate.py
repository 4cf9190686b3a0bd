"""Test-subject evaluation of the HAR models: per seed, then mean ± std over seeds, and the figures.

Every number is on the test subjects only, whom no model saw in training or
validation. A model's confusion matrix sums its seeds' matrices, so it shows where
the model as a recipe errs rather than one lucky or unlucky seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import accuracy_score

from redes import figures
from redes.classifier_metrics import ClassifierScores, per_class_recall, score_predictions
from redes.files import write_csv
from redes.har.baseline import MODEL_FILE, load_baseline, window_statistics
from redes.har.params import HarBaseline
from redes.har.train import load_har_model

# The known hard pair: both postures are still, and differ only in how gravity falls on the phone.
HARD_PAIR = ("sitting", "standing")
# The classical baseline's name beside the nets' (models/har/baseline, its MLflow run, its metrics entry).
BASELINE = "baseline"


@dataclass(frozen=True)
class SeedEvaluation(ClassifierScores):
    """One trained model (one seed) on the test windows: its scores, and its accuracy on each test subject."""

    per_subject_accuracy: dict[int, float]


def test_predictions(
    name: str, model_dir: Path, seed: str, x_test: np.ndarray, baseline_params: HarBaseline
) -> np.ndarray:
    """The class model `name` (a net of `HAR_MODELS`, or the baseline) trained with `seed` gives each test window."""
    if name == BASELINE:
        pipeline = load_baseline(model_dir / MODEL_FILE)
        return pipeline.predict(window_statistics(x_test, baseline_params.spectrum_bins))
    model = load_har_model(model_dir / f"seed_{seed}" / "model.keras")
    return np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)


def evaluate_predictions(y_true: np.ndarray, y_pred: np.ndarray, subjects: np.ndarray, classes: int) -> SeedEvaluation:
    scores = score_predictions(y_true, y_pred, classes)
    return SeedEvaluation(
        accuracy=scores.accuracy,
        macro_f1=scores.macro_f1,
        confusion=scores.confusion,
        per_subject_accuracy={
            int(subject): float(accuracy_score(y_true[subjects == subject], y_pred[subjects == subject]))
            for subject in np.unique(subjects)
        },
    )


def _std(values: Sequence[float]) -> float:
    """Sample standard deviation (ddof 1) over seeds; 0 for a single seed."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarize(evaluations: Mapping[int, SeedEvaluation], class_names: Sequence[str]) -> dict:
    """One model's results, from its evaluation under each seed: `METRICS`, then each seed's, class's and subject's."""
    accuracies = [e.accuracy for e in evaluations.values()]
    f1_scores = [e.macro_f1 for e in evaluations.values()]
    confusion = summed_confusion(evaluations)
    errors = confusion.sum() - np.trace(confusion)
    summary = {
        "test_accuracy_mean": float(np.mean(accuracies)),
        "test_accuracy_std": _std(accuracies),
        "macro_f1_mean": float(np.mean(f1_scores)),
        "macro_f1_std": _std(f1_scores),
        "test_accuracy_best": float(np.max(accuracies)),
        "seeds": {str(seed): {"test_accuracy": e.accuracy, "macro_f1": e.macro_f1} for seed, e in evaluations.items()},
        "per_class_accuracy": per_class_recall(confusion, class_names),
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


# What reports/metrics/har.json keeps of a model's summary: the numbers two runs are compared by. Each seed's,
# class's and subject's numbers are tables of the report (`write_tables`).
METRICS = (
    "test_accuracy_mean",
    "test_accuracy_std",
    "macro_f1_mean",
    "macro_f1_std",
    "test_accuracy_best",
    "sitting_standing_error_share",
)


def metrics_entry(summary: Mapping[str, object]) -> dict:
    """A model's entry of reports/metrics/har.json: `METRICS` (the hard pair's share only when both are classes)."""
    return {key: summary[key] for key in METRICS if key in summary}


def seed_table(summaries: Mapping[str, dict]) -> pd.DataFrame:
    """Test accuracy and macro F1 of every model under each seed, a row each."""
    return pd.DataFrame(
        [
            {"model": name, "seed": int(seed), **scores}
            for name, summary in summaries.items()
            for seed, scores in summary["seeds"].items()
        ]
    )


def per_class_table(summaries: Mapping[str, dict]) -> pd.DataFrame:
    """Each activity's test accuracy (recall, all seeds' windows), a row per activity and a column per model."""
    table = pd.DataFrame({name: summary["per_class_accuracy"] for name, summary in summaries.items()})
    return table.rename_axis("activity").reset_index()


def write_tables(summaries: Mapping[str, dict], figure_path: Path, tables_dir: Path) -> None:
    """The report's tables (every seed, every class, every test subject) and the per-subject bar chart."""
    write_csv(seed_table(summaries), tables_dir / "seeds.csv")
    write_csv(per_class_table(summaries), tables_dir / "per_class_accuracy.csv")
    write_per_subject(summaries, figure_path, tables_dir / "per_subject.csv")


def summed_confusion(evaluations: Mapping[int, SeedEvaluation]) -> np.ndarray:
    return sum(e.confusion for e in evaluations.values())


def per_subject_table(summaries: Mapping[str, dict]) -> pd.DataFrame:
    """Test accuracy (mean over seeds) with a row per test subject and a column per model."""
    table = pd.DataFrame({name: summary["per_subject_accuracy"] for name, summary in summaries.items()})
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


def write_model_figures(
    name: str,
    evaluations: Mapping[int, SeedEvaluation],
    class_names: Sequence[str],
    histories: Mapping[int, pd.DataFrame],
    out_dir: Path,
) -> list[Path]:
    """A model's confusion matrix summed over its seeds and, for a net, every seed's training curves."""
    paths = [
        figures.save(
            figures.confusion_matrix_figure(
                summed_confusion(evaluations),
                class_names,
                f"HAR {name}: test windows, summed over {len(evaluations)} seed(s)",
                xticks_rotation=45,
            ),
            out_dir / f"{name}_confusion.png",
        )
    ]
    if histories:
        paths.append(
            figures.save(
                figures.training_curves_figure(
                    {f"seed {seed}": history for seed, history in histories.items()},
                    f"HAR {name}: training curves, every seed",
                ),
                out_dir / f"{name}_training_curves.png",
            )
        )
    return paths


def write_per_subject(summaries: Mapping[str, dict], figure_path: Path, table_path: Path) -> None:
    """Every model's accuracy on each test subject, as the report's table and bar chart."""
    table = per_subject_table(summaries)
    figures.save(per_subject_figure(table, "HAR: test accuracy on each test subject (mean over seeds)"), figure_path)
    write_csv(table.reset_index(), table_path)
