"""Test-set evaluation of an MNIST classifier: the numbers and figures of the report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from redes import figures
from redes.classifier_metrics import ClassifierScores, per_class_recall, score_predictions
from redes.mnist.data import CLASSES


@dataclass(frozen=True)
class Evaluation(ClassifierScores):
    """One model on the test images: its scores, each digit's accuracy and every prediction."""

    per_class_accuracy: dict[str, float]
    predictions: np.ndarray

    def metrics(self) -> dict[str, float]:
        """The model's entry of reports/metrics/mnist.json; each digit's accuracy is in `per_class_table`."""
        return {"test_accuracy": self.accuracy, "macro_f1": self.macro_f1, "test_errors": self.errors}


def evaluate(model: keras.Model, x_test: np.ndarray, y_test: np.ndarray, batch_size: int = 1000) -> Evaluation:
    predictions = np.argmax(model.predict(x_test, batch_size=batch_size, verbose=0), axis=1)
    scores = score_predictions(y_test, predictions, len(CLASSES))
    return Evaluation(
        accuracy=scores.accuracy,
        macro_f1=scores.macro_f1,
        confusion=scores.confusion,
        per_class_accuracy=per_class_recall(scores.confusion, CLASSES),
        predictions=predictions,
    )


def per_class_table(evaluations: Mapping[str, Evaluation]) -> pd.DataFrame:
    """Each digit's test accuracy (its recall), a column per model: the report's table, not a metric to compare."""
    table = pd.DataFrame({name: evaluation.per_class_accuracy for name, evaluation in evaluations.items()})
    return table.rename_axis("digit").reset_index()


def write_figures(
    model_name: str,
    evaluation: Evaluation,
    x_test: np.ndarray,
    y_test: np.ndarray,
    history: pd.DataFrame,
    out_dir: Path,
) -> list[Path]:
    """Confusion matrix, a grid of misclassified digits and the training curves of one model."""
    wrong = np.flatnonzero(evaluation.predictions != y_test)
    return [
        figures.save(
            figures.confusion_matrix_figure(
                evaluation.confusion,
                CLASSES,
                f"MNIST {model_name.upper()}: test accuracy {evaluation.accuracy:.2%}",
            ),
            out_dir / f"{model_name}_confusion.png",
        ),
        figures.save(
            figures.image_grid_figure(
                x_test[wrong],
                [f"true {y_test[i]}, said {evaluation.predictions[i]}" for i in wrong],
                f"MNIST {model_name.upper()}: misclassified test digits "
                f"({len(wrong)} in all, first {min(len(wrong), 32)})",
            ),
            out_dir / f"{model_name}_misclassified.png",
        ),
        figures.save(
            figures.training_curves_figure(history, f"MNIST {model_name.upper()}: training curves"),
            out_dir / f"{model_name}_training_curves.png",
        ),
    ]
