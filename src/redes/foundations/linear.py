"""Linear regression four ways (notes §1): LMS, batch and stochastic gradient descent, normal equations.

The cost is the notes' J(θ) = ½ Σᵢ (θᵀx⁽ⁱ⁾ - y⁽ⁱ⁾)² (3), a sum over the examples, so the
learning rates here are per example, as in the LMS rule (6). The design matrix carries the
intercept as a first column of ones (x₀ = 1). `linear_checks.py` checks every solver against
scikit-learn's `LinearRegression` (full rank) or NumPy's minimum-norm `lstsq` (rank deficient).

Data: scikit-learn's bundled diabetes set (442 patients, 10 features), features standardised so
that XᵀX is well enough conditioned for gradient descent to converge in a few thousand steps.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

Array = np.ndarray


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
