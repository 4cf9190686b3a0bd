"""The solvers of `linear.py` on the diabetes set against scikit-learn, NumPy and `tf.GradientTape`.

Also what the convergence figure draws: J after each pass over the data for each iterative solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error

from redes.foundations.checks import Check, compare
from redes.foundations.linear import (
    batch_gradient_descent,
    cost,
    diabetes_design,
    lms_update,
    normal_equations,
    pseudo_inverse,
    stochastic_gradient_descent,
)
from redes.foundations.params import LinearRegressionParams

Array = np.ndarray

CLOSED_FORM_TOLERANCE = 1e-6  # normal equations and pseudo-inverse: exact up to round-off
ITERATIVE_TOLERANCE = 1e-4  # gradient descent stopped after a finite number of steps
ROUND_OFF_TOLERANCE = 1e-12  # the same float64 formula computed two ways


def _sklearn_solution(design: Array, targets: Array) -> Array:
    regression = LinearRegression().fit(design[:, 1:], targets)
    return np.concatenate([[regression.intercept_], regression.coef_])


def _lms_step_by_gradient_tape(theta: Array, example: Array, target: float, learning_rate: float) -> Array:
    """θ - α ∇_θ ½ (θᵀx - y)², differentiated by TensorFlow."""
    variable = tf.Variable(theta, dtype=tf.float64)
    with tf.GradientTape() as tape:
        loss = 0.5 * (tf.tensordot(tf.constant(example), variable, axes=1) - target) ** 2
    return theta - learning_rate * tape.gradient(loss, variable).numpy()


@dataclass(frozen=True)
class LinearRegressionResults:
    """The checks, and J per pass over the data for the convergence figure."""

    checks: list[Check]
    cost_histories: dict[str, Array]  # solver name -> J after each pass
    optimal_cost: float  # J at the normal-equation solution


def linear_regression_checks(params: LinearRegressionParams, seed: int) -> LinearRegressionResults:
    """Every solver of §1 on the diabetes set against scikit-learn / NumPy."""
    design, targets, _ = diabetes_design()
    if not 0 < params.underdetermined_examples < design.shape[1]:
        raise ValueError(
            f"underdetermined_examples must be between 1 and {design.shape[1] - 1} (fewer examples than "
            f"the {design.shape[1]} columns of X), got {params.underdetermined_examples}"
        )
    reference = _sklearn_solution(design, targets)
    closed_form = normal_equations(design, targets)
    gradient_descent, gd_costs = batch_gradient_descent(design, targets, params.learning_rate, params.iterations)
    stochastic, sgd_costs = stochastic_gradient_descent(
        design, targets, params.sgd_learning_rate, params.sgd_epochs, decay_epochs=params.sgd_decay_epochs
    )
    _, lms_costs = stochastic_gradient_descent(
        design, targets, params.sgd_learning_rate, params.sgd_epochs, decay_epochs=None
    )

    rng = np.random.default_rng(seed)
    theta = rng.normal(size=design.shape[1])
    example_index = int(rng.integers(len(targets)))
    example, target = design[example_index], targets[example_index]

    # Rank-deficient designs: fewer patients than columns, and a column repeated (collinear).
    few_rows = rng.choice(len(targets), size=params.underdetermined_examples, replace=False)
    wide = design[few_rows]
    collinear = np.column_stack([design, design[:, 3]])
    rank_deficient = [(wide, targets[few_rows]), (collinear, targets)]

    checks = [
        compare(
            "linear_cost",
            "(3)",
            "J(θ) at a random θ against n/2 times scikit-learn's mean squared error",
            "sklearn mean_squared_error",
            [(cost(theta, design, targets), 0.5 * len(targets) * mean_squared_error(targets, design @ theta))],
            ROUND_OFF_TOLERANCE,
        ),
        compare(
            "linear_lms_update",
            "(6)",
            "one LMS step against θ - α∇J⁽ⁱ⁾ with the gradient taken by TensorFlow",
            "tf.GradientTape",
            [
                (
                    lms_update(theta, example, target, params.learning_rate),
                    _lms_step_by_gradient_tape(theta, example, target, params.learning_rate),
                )
            ],
            ROUND_OFF_TOLERANCE,
        ),
        compare(
            "linear_batch_gradient_descent",
            "(7-8)",
            f"θ after {params.iterations} batch gradient-descent steps against the least-squares solution",
            "sklearn LinearRegression",
            [(gradient_descent, reference)],
            ITERATIVE_TOLERANCE,
        ),
        compare(
            "linear_stochastic_gradient_descent",
            "(9)",
            f"θ after {params.sgd_epochs} passes of SGD with a decaying rate against the least-squares solution",
            "sklearn LinearRegression",
            [(stochastic, reference)],
            params.sgd_tolerance,
        ),
        compare(
            "linear_normal_equations",
            "(19)",
            "θ = (XᵀX)⁻¹Xᵀy against the least-squares solution",
            "sklearn LinearRegression",
            [(closed_form, reference)],
            CLOSED_FORM_TOLERANCE,
        ),
        compare(
            "linear_pseudo_inverse",
            "(19), X⁺",
            f"θ = X⁺y when XᵀX is singular ({params.underdetermined_examples} examples; a repeated column) "
            "against the minimum-norm least-squares solution, and X⁺ against NumPy's",
            "np.linalg.lstsq, np.linalg.pinv",
            [(pseudo_inverse(matrix) @ y, np.linalg.lstsq(matrix, y, rcond=None)[0]) for matrix, y in rank_deficient]
            + [(pseudo_inverse(matrix), np.linalg.pinv(matrix)) for matrix, _ in rank_deficient],
            CLOSED_FORM_TOLERANCE,
        ),
    ]
    histories = {"batch gradient descent": gd_costs, "LMS, constant α": lms_costs, "SGD, decaying α": sgd_costs}
    return LinearRegressionResults(checks, histories, cost(closed_form, design, targets))
