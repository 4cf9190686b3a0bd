"""How well a classifier does on labelled examples, scored the same way in every project.

MNIST, HAR and the classifiers to come report these: accuracy, macro F1 (every class
counts as much, however rare), the confusion matrix and each class's recall. Evaluate
stages refuse to publish a model no better than chance (`require_better_than_chance`):
a diverged training can end with finite weights that predict one class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from redes.errors import RedesError


@dataclass(frozen=True)
class ClassifierScores:
    accuracy: float
    macro_f1: float
    confusion: np.ndarray  # rows: true class, columns: predicted

    @property
    def errors(self) -> int:
        return int(self.confusion.sum() - np.trace(self.confusion))

    @property
    def chance_accuracy(self) -> float:
        """The accuracy of always answering the most frequent true class: what a model that learnt nothing gets."""
        return float(self.confusion.sum(axis=1).max() / self.confusion.sum())


def score_predictions(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> ClassifierScores:
    """The scores of predicted labels 0..classes-1; a class absent from both counts with F1 0."""
    labels = list(range(classes))
    return ClassifierScores(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
    )


def per_class_recall(confusion: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:
    """Each class's recall (its accuracy): the diagonal over the row sums; classes with no example are left out."""
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.diag(confusion) / confusion.sum(axis=1)
    return {name: float(r) for name, r in zip(class_names, recall, strict=True) if np.isfinite(r)}


def require_better_than_chance(scores: ClassifierScores, model: str) -> None:
    """Raise, naming both numbers, if `model` (a path or name for the message) is no more accurate than chance."""
    if scores.accuracy <= scores.chance_accuracy:
        raise RedesError(
            f"{model}: test accuracy {scores.accuracy:.2%} is no better than chance ({scores.chance_accuracy:.2%}, "
            "always answering the most frequent class), so it is not published. Its training did not learn "
            "(a learning rate too high diverges while the loss stays finite): change its params and run `dvc repro`."
        )
