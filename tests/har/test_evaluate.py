"""HAR evaluation on predictions of known quality: per-subject accuracy, mean ± std over seeds, the hard pair."""

from __future__ import annotations

import numpy as np
import pytest

from redes.har.evaluate import evaluate_predictions, per_subject_table, summarize

CLASSES = ("walking", "sitting", "standing")


def _seed(wrong: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten test windows (subjects 4 and 12, five each); the windows at `wrong` become mistakes."""
    y_true = np.array([0, 1, 2, 1, 2, 0, 1, 2, 1, 2])
    subjects = np.array([4] * 5 + [12] * 5)
    y_pred = y_true.copy()
    for index in wrong:
        y_pred[index] = {0: 1, 1: 2, 2: 1}[int(y_true[index])]  # sitting <-> standing, walking -> sitting
    return y_true, y_pred, subjects


def test_one_seed() -> None:
    evaluation = evaluate_predictions(*_seed([1, 6, 7]), classes=3)
    assert evaluation.accuracy == pytest.approx(0.7)
    assert evaluation.per_subject_accuracy == {4: pytest.approx(0.8), 12: pytest.approx(0.6)}
    assert evaluation.confusion[1, 2] == 2 and evaluation.confusion[2, 1] == 1
    assert evaluation.confusion.sum() == 10


def test_mean_and_sample_std_over_seeds() -> None:
    evaluations = {
        42: evaluate_predictions(*_seed([1]), classes=3),
        43: evaluate_predictions(*_seed([1, 2, 5]), classes=3),
        44: evaluate_predictions(*_seed([]), classes=3),
    }
    summary = summarize(evaluations, CLASSES)
    assert summary["test_accuracy_mean"] == pytest.approx(np.mean([0.9, 0.7, 1.0]))
    assert summary["test_accuracy_std"] == pytest.approx(np.std([0.9, 0.7, 1.0], ddof=1))
    assert summary["test_accuracy_best"] == 1.0
    assert set(summary["seeds"]) == {"42", "43", "44"}
    # Subject 4 is wrong at windows 1 and 2 (two seeds), subject 12 at window 5 (one seed).
    assert summary["per_subject_accuracy"] == {
        "4": pytest.approx((0.8 + 0.6 + 1.0) / 3),
        "12": pytest.approx(0.8 / 3 + 2 / 3),
    }
    # 4 errors in all; sitting->standing (window 1, twice) and standing->sitting (window 2): 3 of them.
    assert summary["sitting_standing_error_share"] == pytest.approx(3 / 4)
    assert summary["per_class_accuracy"]["walking"] == pytest.approx(5 / 6)


def test_a_single_seed_has_no_spread() -> None:
    summary = summarize({1: evaluate_predictions(*_seed([3]), classes=3)}, CLASSES)
    assert summary["test_accuracy_std"] == 0.0 and summary["macro_f1_std"] == 0.0


def test_per_subject_table_sorts_subjects_as_numbers() -> None:
    metrics = {
        "lstm": {"per_subject_accuracy": {"12": 0.9, "4": 0.8}},
        "gru": {"per_subject_accuracy": {"12": 1.0, "4": 0.7}},
    }
    table = per_subject_table(metrics)
    assert list(table.index) == [4, 12] and list(table.columns) == ["lstm", "gru"]
    assert table.loc[4, "gru"] == 0.7
