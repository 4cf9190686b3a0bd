"""The relative error every check reports, and a check's verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from redes.foundations.checks import Check, compare, relative_error


def test_relative_error_is_normwise() -> None:
    assert relative_error([1.0, 1e-12], [1.0, 0.0]) == pytest.approx(1e-12)
    assert relative_error([2.0, 4.0], [2.0, 5.0]) == pytest.approx(0.2)
    assert relative_error([1e-3], [0.0]) == pytest.approx(1e-3)  # absolute when the reference is zero


def test_relative_error_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_a_nan_fails_the_check() -> None:
    check = compare("nan", "(0)", "d", "ref", [(np.array([np.nan]), np.array([1.0]))], tolerance=1.0)
    assert math.isinf(check.max_rel_error) and not check.passed


def test_compare_keeps_the_worst_pair() -> None:
    check = compare("two", "(0)", "d", "ref", [([1.0], [1.0]), ([1.1], [1.0])], tolerance=0.05)
    assert check.max_rel_error == pytest.approx(0.1)
    assert check.error_ratio == pytest.approx(2.0) and not check.passed
    assert Check("ok", "(0)", "d", "ref", 0.01, 0.05).passed
