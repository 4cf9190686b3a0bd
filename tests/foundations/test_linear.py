"""Linear regression from scratch (§1) against scikit-learn, NumPy and TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from redes.foundations.checks import relative_error
from redes.foundations.linear import (
    batch_gradient_descent,
    cost,
    diabetes_design,
    lms_update,
    normal_equations,
    pseudo_inverse,
    stochastic_gradient_descent,
)
from redes.foundations.linear_checks import (
    CLOSED_FORM_TOLERANCE,
    ITERATIVE_TOLERANCE,
    ROUND_OFF_TOLERANCE,
    _lms_step_by_gradient_tape,
)


def _random_problem(seed: int, examples: int, features: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    design = np.column_stack([np.ones(examples), rng.normal(size=(examples, features))])
    targets = design @ rng.normal(size=features + 1) + noise * rng.normal(size=examples)
    return design, targets


def _least_squares(design: np.ndarray, targets: np.ndarray) -> np.ndarray:
    fit = LinearRegression().fit(design[:, 1:], targets)
    return np.concatenate([[fit.intercept_], fit.coef_])


def test_cost_is_half_the_sum_of_squared_residuals() -> None:
    design, targets = _random_problem(0, 20, 3, noise=1.0)
    theta = np.arange(4.0)
    expected = 0.5 * np.sum((design @ theta - targets) ** 2)
    assert relative_error(cost(theta, design, targets), expected) <= ROUND_OFF_TOLERANCE


def test_lms_update_is_a_gradient_step_on_one_example() -> None:
    design, targets = _random_problem(1, 5, 3, noise=1.0)
    theta = np.array([0.5, -1.0, 2.0, 0.1])
    ours = lms_update(theta, design[2], targets[2], 0.05)
    assert relative_error(ours, _lms_step_by_gradient_tape(theta, design[2], targets[2], 0.05)) <= ROUND_OFF_TOLERANCE
    # A step towards the target: the residual on that example shrinks.
    assert abs(targets[2] - design[2] @ ours) < abs(targets[2] - design[2] @ theta)


def test_batch_gradient_descent_reaches_least_squares_and_j_decreases() -> None:
    design, targets = _random_problem(2, 60, 4, noise=0.5)
    theta, costs = batch_gradient_descent(design, targets, learning_rate=0.005, iterations=500)
    assert relative_error(theta, _least_squares(design, targets)) <= ITERATIVE_TOLERANCE
    assert np.all(np.diff(costs) <= 1e-9)


def test_batch_gradient_descent_on_diabetes() -> None:
    design, targets, names = diabetes_design()
    assert design.shape == (442, 11) and names[0] == "intercept"
    theta, _ = batch_gradient_descent(design, targets, learning_rate=0.001, iterations=3000)
    assert relative_error(theta, _least_squares(design, targets)) <= ITERATIVE_TOLERANCE


def test_sgd_converges_only_with_a_decaying_rate() -> None:
    design, targets = _random_problem(3, 40, 3, noise=0.005)
    optimum = _least_squares(design, targets)
    decaying, _ = stochastic_gradient_descent(design, targets, 0.05, epochs=300, decay_epochs=20.0)
    constant, _ = stochastic_gradient_descent(design, targets, 0.05, epochs=300, decay_epochs=None)
    assert relative_error(decaying, optimum) <= ITERATIVE_TOLERANCE
    assert relative_error(constant, optimum) > ITERATIVE_TOLERANCE  # stalls at a distance ∝ α


def test_normal_equations_match_least_squares() -> None:
    design, targets, _ = diabetes_design()
    assert relative_error(normal_equations(design, targets), _least_squares(design, targets)) <= CLOSED_FORM_TOLERANCE


def test_normal_equations_refuse_a_singular_gram_matrix() -> None:
    design, targets = _random_problem(4, 3, 5, noise=0.0)  # 3 examples, 6 columns
    with pytest.raises(ValueError, match="singular"):
        normal_equations(design, targets)


@pytest.mark.parametrize("shape", ["fewer examples than features", "collinear columns", "full rank"])
def test_pseudo_inverse_gives_the_minimum_norm_solution(shape: str) -> None:
    rng = np.random.default_rng(5)
    if shape == "fewer examples than features":
        matrix = rng.normal(size=(4, 9))
    elif shape == "collinear columns":
        base = rng.normal(size=(30, 3))
        matrix = np.column_stack([base, base[:, 0] - 2.0 * base[:, 1]])
    else:
        matrix = rng.normal(size=(30, 4))
    targets = rng.normal(size=len(matrix))
    inverse = pseudo_inverse(matrix)
    assert relative_error(inverse, np.linalg.pinv(matrix)) <= CLOSED_FORM_TOLERANCE
    theta = inverse @ targets
    assert relative_error(theta, np.linalg.lstsq(matrix, targets, rcond=None)[0]) <= CLOSED_FORM_TOLERANCE
    # Penrose's conditions: X X⁺ X = X and X⁺ X X⁺ = X⁺.
    assert relative_error(matrix @ inverse @ matrix, matrix) <= CLOSED_FORM_TOLERANCE
    assert relative_error(inverse @ matrix @ inverse, inverse) <= CLOSED_FORM_TOLERANCE
    # Minimum norm: adding any null-space direction of X makes θ longer.
    _, singular_values, right = np.linalg.svd(matrix)
    null_space = right[np.sum(singular_values > 1e-10) :]
    for direction in null_space:
        assert np.linalg.norm(theta + 0.1 * direction) > np.linalg.norm(theta)
