"""What every benchmark shares: test accuracy after each epoch against training time, and ratios.

The benchmarks import this module as `scoring` (they run as scripts from benchmarks/).
"""

from __future__ import annotations

import time

import keras


class TestScorer(keras.callbacks.Callback):
    """Test accuracy after each epoch against training time so far (scoring time excluded)."""

    def __init__(self, x_test, y_test) -> None:
        super().__init__()
        self.x_test, self.y_test = x_test, y_test
        self.curve: list[tuple[float, float]] = []
        self._training_seconds = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._training_seconds += time.perf_counter() - self._started
        accuracy = self.model.evaluate(self.x_test, self.y_test, batch_size=1000, verbose=0)[1]
        self.curve.append((self._training_seconds, float(accuracy)))
        print(f"  epoch {epoch + 1}: {self._training_seconds:7.1f} s, test accuracy {accuracy:.4f}", flush=True)


def first_reaching(curve: list[tuple[float, float]], accuracy: float) -> float | None:
    """Training seconds until the test accuracy first reaches `accuracy` (None if it never does)."""
    return next((seconds for seconds, reached in curve if reached >= accuracy), None)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def compare(results: dict, reference_curve: list[tuple[float, float]], ours_curve: list[tuple[float, float]]) -> dict:
    """Add each recipe's time to reach the reference's final accuracy; return the ratios ours / reference.

    `results` holds "reference" and "ours", each with "test_accuracy" and "train_seconds".
    """
    ours, reference = results["ours"], results["reference"]
    for result, curve in ((reference, reference_curve), (ours, ours_curve)):
        result["seconds_to_reference_final_accuracy"] = first_reaching(curve, reference["test_accuracy"])
    return {
        "train_seconds_ours_over_reference": ratio(ours["train_seconds"], reference["train_seconds"]),
        "test_errors_ours_over_reference": ratio(1 - ours["test_accuracy"], 1 - reference["test_accuracy"]),
        "seconds_to_reference_final_accuracy_ours_over_reference": ratio(
            ours["seconds_to_reference_final_accuracy"], reference["seconds_to_reference_final_accuracy"]
        ),
    }
