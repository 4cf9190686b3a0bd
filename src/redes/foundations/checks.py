"""One check of the notes against a library: how far our NumPy result is from the reference.

Errors are normwise, `max|actual - expected| / max|expected|`, so an entry that happens to be
close to zero in the reference does not blow the ratio up; a check that compares several
arrays (the gradients of every parameter, say) keeps the worst of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def relative_error(actual: ArrayLike, expected: ArrayLike) -> float:
    """`max|actual - expected| / max|expected|`; the absolute error when `expected` is all zeros."""
    actual_array = np.asarray(actual, dtype=np.float64)
    expected_array = np.asarray(expected, dtype=np.float64)
    if actual_array.shape != expected_array.shape:
        raise ValueError(f"cannot compare shapes {actual_array.shape} and {expected_array.shape}")
    if actual_array.size == 0:
        return 0.0
    scale = float(np.max(np.abs(expected_array)))
    difference = float(np.max(np.abs(actual_array - expected_array)))
    if not math.isfinite(difference):
        return math.inf
    return difference / scale if scale > 0.0 else difference


def float32_exact(array: ArrayLike) -> np.ndarray:
    """`array` rounded to float32 and held in float64.

    Checks against float32 Keras start both sides from these numbers, so the error measures
    Keras' float32 arithmetic and not the rounding of the inputs.
    """
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def require_positive(**values: float) -> None:
    """ValueError naming the first argument that is not > 0."""
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")


def worst_relative_error(pairs: Sequence[tuple[ArrayLike, ArrayLike]]) -> float:
    """The largest `relative_error` over (actual, expected) pairs."""
    if not pairs:
        raise ValueError("no arrays to compare")
    return max(relative_error(actual, expected) for actual, expected in pairs)


@dataclass(frozen=True)
class Check:
    """Our implementation of `equation` against `reference`, within `tolerance`."""

    name: str  # snake_case, a row of reports/tables/foundations/checks.csv, e.g. "normal_equations"
    equation: str  # where it is in the notes, e.g. "(19)" or "§3.15.8"
    description: str  # what is compared with what, one line for the report
    reference: str  # the library result it is checked against, e.g. "sklearn LinearRegression"
    max_rel_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return math.isfinite(self.max_rel_error) and self.max_rel_error <= self.tolerance

    @property
    def error_ratio(self) -> float:
        """The error as a fraction of the tolerance: above 1 misses."""
        return self.max_rel_error / self.tolerance


def compare(
    name: str,
    equation: str,
    description: str,
    reference: str,
    pairs: Sequence[tuple[ArrayLike, ArrayLike]],
    tolerance: float,
) -> Check:
    """A `Check` whose error is the worst over (ours, reference) array pairs."""
    return Check(name, equation, description, reference, worst_relative_error(pairs), tolerance)
