"""Linear regression four ways (notes §1): LMS, batch and stochastic gradient descent, normal equations.

The cost is the notes' J(θ) = ½ Σᵢ (θᵀx⁽ⁱ⁾ - y⁽ⁱ⁾)² (3), a sum over the examples, so the
learning rates here are per example, as in the LMS rule (6). The design matrix carries the
intercept as a first column of ones (x₀ = 1). Every solver is checked against scikit-learn's
`LinearRegression` (full rank) or NumPy's minimum-norm `lstsq` (rank deficient).

Data: scikit-learn's bundled diabetes set (442 patients, 10 features), features standardised so
that XᵀX is well enough conditioned for gradient descent to converge in a few thousand steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import StandardScaler

from redes.foundations.checks import Check, compare

Array = np.ndarray

CLOSED_FORM_TOLERANCE = 1e-6  # normal equations and pseudo-inverse: exact up to round-off
ITERATIVE_TOLERANCE = 1e-4  # gradient descent stopped after a finite number of steps
ROUND_OFF_TOLERANCE = 1e-12  # the same float64 formula computed two ways


def diabetes_design() -> tuple[Array, Array, list[str]]:
    """(X with a leading column of ones, y, column names) of the diabetes set, features standardised."""
    dataset = load_diabetes()
    features = StandardScaler().fit_transform(dataset.data)
    design = np.column_stack([np.ones(len(features)), features])
    return design, dataset.target.astype(np.float64), ["intercept", *dataset.feature_names]


def cost(theta: Array, design: Array, targets: Array) -> float:
    """J(θ) = ½ Σᵢ (θᵀx⁽ⁱ⁾ - y⁽ⁱ⁾)², eq. (3)."""
    residuals = design @ theta - targets
    return 0.5 * float(residuals @ residuals)


def lms_update(theta: Array, example: Array, target: float, learning_rate: float) -> Array:
    """θ := θ + α (y - θᵀx) x, the LMS (Widrow-Hoff) rule for one example, eq. (6)."""
    return theta + learning_rate * (target - example @ theta) * example


def batch_gradient_descent(design: Array, targets: Array, learning_rate: float, iterations: int) -> tuple[Array, Array]:
    """θ := θ + α Σᵢ (y⁽ⁱ⁾ - θᵀx⁽ⁱ⁾) x⁽ⁱ⁾ (7-8) from θ = 0; returns θ and J after each step."""
    theta = np.zeros(design.shape[1])
    costs = np.empty(iterations)
    for step in range(iterations):
        theta = theta + learning_rate * design.T @ (targets - design @ theta)
        costs[step] = cost(theta, design, targets)
    return theta, costs


def stochastic_gradient_descent(
    design: Array, targets: Array, learning_rate: float, epochs: int, decay_epochs: float | None
) -> tuple[Array, Array]:
    """The LMS rule applied to one example after another, i = 1..n, over and over (9), from θ = 0.

    With a constant rate (`decay_epochs=None`) θ keeps oscillating around the optimum, at a
    distance proportional to α; the notes' remedy is to let α go to zero, here
    α = α₀ / (1 + epoch / decay_epochs), under which θ converges to the least-squares solution.
    Returns θ and J after each pass over the data.
    """
    theta = np.zeros(design.shape[1])
    costs = np.empty(epochs)
    examples = list(zip(design, targets, strict=True))
    for epoch in range(epochs):
        rate = learning_rate if decay_epochs is None else learning_rate / (1.0 + epoch / decay_epochs)
        for example, target in examples:
            # lms_update inlined: this loop runs millions of times and the call would double its cost.
            theta += (rate * (target - example @ theta)) * example
        costs[epoch] = cost(theta, design, targets)
    return theta, costs


def normal_equations(design: Array, targets: Array) -> Array:
    """θ = (XᵀX)⁻¹ Xᵀy, eq. (19), by solving XᵀX θ = Xᵀy; needs X of full column rank."""
    gram = design.T @ design
    rank = np.linalg.matrix_rank(design)
    if rank < design.shape[1]:
        raise ValueError(
            f"XᵀX is singular (rank {rank} < {design.shape[1]} columns): the normal equations have "
            "infinitely many solutions; use pseudo_inverse for the minimum-norm one"
        )
    return np.linalg.solve(gram, design.T @ targets)


def pseudo_inverse(matrix: Array, relative_cutoff: float = 1e-12) -> Array:
    """Moore-Penrose pseudo-inverse X⁺ = V Σ⁺ Uᵀ from the SVD X = U Σ Vᵀ.

    Σ⁺ inverts the singular values above `relative_cutoff` times the largest and zeroes the rest,
    so θ = X⁺y is the least-squares solution of smallest norm even when XᵀX is singular.
    """
    left, singular_values, right_transposed = np.linalg.svd(matrix, full_matrices=False)
    keep = singular_values > relative_cutoff * singular_values.max()
    inverted = np.where(keep, 1.0 / np.where(keep, singular_values, 1.0), 0.0)
    return (right_transposed.T * inverted) @ left.T


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


def linear_regression_checks(
    seed: int,
    learning_rate: float,
    iterations: int,
    sgd_learning_rate: float,
    sgd_decay_epochs: float,
    sgd_epochs: int,
    underdetermined_examples: int,
) -> LinearRegressionResults:
    """Every solver of §1 on the diabetes set against scikit-learn / NumPy."""
    design, targets, _ = diabetes_design()
    if not 0 < underdetermined_examples < design.shape[1]:
        raise ValueError(
            f"underdetermined_examples must be between 1 and {design.shape[1] - 1} (fewer examples than "
            f"the {design.shape[1]} columns of X), got {underdetermined_examples}"
        )
    reference = _sklearn_solution(design, targets)
    closed_form = normal_equations(design, targets)
    gradient_descent, gd_costs = batch_gradient_descent(design, targets, learning_rate, iterations)
    stochastic, sgd_costs = stochastic_gradient_descent(
        design, targets, sgd_learning_rate, sgd_epochs, decay_epochs=sgd_decay_epochs
    )
    _, lms_costs = stochastic_gradient_descent(design, targets, sgd_learning_rate, sgd_epochs, decay_epochs=None)

    rng = np.random.default_rng(seed)
    theta = rng.normal(size=design.shape[1])
    example_index = int(rng.integers(len(targets)))
    example, target = design[example_index], targets[example_index]

    # Rank-deficient designs: fewer patients than columns, and a column repeated (collinear).
    few_rows = rng.choice(len(targets), size=underdetermined_examples, replace=False)
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
                    lms_update(theta, example, target, learning_rate),
                    _lms_step_by_gradient_tape(theta, example, target, learning_rate),
                )
            ],
            ROUND_OFF_TOLERANCE,
        ),
        compare(
            "linear_batch_gradient_descent",
            "(7-8)",
            f"θ after {iterations} batch gradient-descent steps against the least-squares solution",
            "sklearn LinearRegression",
            [(gradient_descent, reference)],
            ITERATIVE_TOLERANCE,
        ),
        compare(
            "linear_stochastic_gradient_descent",
            "(9)",
            f"θ after {sgd_epochs} passes of SGD with a decaying rate against the least-squares solution",
            "sklearn LinearRegression",
            [(stochastic, reference)],
            ITERATIVE_TOLERANCE,
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
            f"θ = X⁺y when XᵀX is singular ({underdetermined_examples} examples; a repeated column) "
            "against the minimum-norm least-squares solution, and X⁺ against NumPy's",
            "np.linalg.lstsq, np.linalg.pinv",
            [(pseudo_inverse(matrix) @ y, np.linalg.lstsq(matrix, y, rcond=None)[0]) for matrix, y in rank_deficient]
            + [(pseudo_inverse(matrix), np.linalg.pinv(matrix)) for matrix, _ in rank_deficient],
            CLOSED_FORM_TOLERANCE,
        ),
    ]
    histories = {"batch gradient descent": gd_costs, "LMS, constant α": lms_costs, "SGD, decaying α": sgd_costs}
    return LinearRegressionResults(checks, histories, cost(closed_form, design, targets))
