"""Logistic regression by gradient ascent on the log-likelihood (notes §2, eqs. 20-27).

h_θ(x) = g(θᵀx) with the sigmoid g (21); the log-likelihood
ℓ(θ) = Σᵢ y⁽ⁱ⁾ log h(x⁽ⁱ⁾) + (1 - y⁽ⁱ⁾) log(1 - h(x⁽ⁱ⁾)) has gradient Σᵢ (y⁽ⁱ⁾ - h(x⁽ⁱ⁾)) x⁽ⁱ⁾ (25-27),
the LMS rule's form with a different h. Checked against scikit-learn's unpenalised
`LogisticRegression`, which maximises the same ℓ.

Data: scikit-learn's bundled breast-cancer set (569 tumours), the features named in params,
standardised. All 30 features together separate the classes perfectly, and then ℓ has no maximum
(θ grows without bound), so the check uses a few features where the maximum exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from redes.foundations.activations import sigmoid, sigmoid_derivative
from redes.foundations.checks import Check, compare

Array = np.ndarray

ITERATIVE_TOLERANCE = 1e-4  # gradient ascent stopped after a finite number of steps
ROUND_OFF_TOLERANCE = 1e-12  # the same float64 formula computed two ways


def breast_cancer_design(features: Sequence[str]) -> tuple[Array, Array]:
    """(X with a leading column of ones, y) for the named features, standardised; y = 1 is benign."""
    dataset = load_breast_cancer()
    names = list(dataset.feature_names)
    unknown = [name for name in features if name not in names]
    if unknown or not features:
        raise ValueError(f"unknown breast-cancer features {unknown}; choose from: {', '.join(names)}")
    columns = [names.index(name) for name in features]
    standardised = StandardScaler().fit_transform(dataset.data[:, columns])
    return np.column_stack([np.ones(len(standardised)), standardised]), dataset.target.astype(np.float64)


def log_likelihood(theta: Array, design: Array, labels: Array) -> float:
    """ℓ(θ), written with log g(z) = -log(1 + e^{-z}) so that no probability is rounded to 0 first."""
    logits = design @ theta
    return float(-np.sum(labels * np.logaddexp(0.0, -logits) + (1.0 - labels) * np.logaddexp(0.0, logits)))


def log_likelihood_gradient(theta: Array, design: Array, labels: Array) -> Array:
    """∇ℓ(θ) = Σᵢ (y⁽ⁱ⁾ - g(θᵀx⁽ⁱ⁾)) x⁽ⁱ⁾, eqs. (25-27)."""
    return design.T @ (labels - sigmoid(design @ theta))


def gradient_ascent(design: Array, labels: Array, learning_rate: float, iterations: int) -> tuple[Array, Array]:
    """θ := θ + α ∇ℓ(θ) from θ = 0; returns θ and ℓ after each step."""
    theta = np.zeros(design.shape[1])
    history = np.empty(iterations)
    for step in range(iterations):
        theta = theta + learning_rate * log_likelihood_gradient(theta, design, labels)
        history[step] = log_likelihood(theta, design, labels)
    return theta, history


def _sklearn_solution(design: Array, labels: Array) -> Array:
    # C = ∞ (no penalty) maximises ℓ itself; tight tolerances so the reference is the maximum, not an estimate.
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=100_000).fit(design[:, 1:], labels)
    return np.concatenate([model.intercept_, model.coef_.ravel()])


def _tape_gradients(theta: Array, design: Array, labels: Array, z: Array) -> tuple[Array, Array, Array]:
    """TensorFlow's g(z), g'(z) and ∇ℓ(θ), all in float64."""
    z_tensor = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_tensor)
        values = tf.math.sigmoid(z_tensor)
    derivative = tape.gradient(values, z_tensor)
    variable = tf.Variable(theta)
    with tf.GradientTape() as tape:
        logits = tf.linalg.matvec(tf.constant(design), variable)
        # ℓ = -Σ cross-entropy; TF's stable formula is independent of ours.
        likelihood = -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(labels), logits=logits))
    return values.numpy(), derivative.numpy(), tape.gradient(likelihood, variable).numpy()


@dataclass(frozen=True)
class LogisticRegressionResults:
    """The checks, and what the figures draw: the data, θ and ℓ per step."""

    checks: list[Check]
    design: Array
    labels: Array
    theta: Array
    log_likelihood_history: Array
    features: list[str]


def logistic_regression_checks(
    seed: int, features: Sequence[str], learning_rate: float, iterations: int
) -> LogisticRegressionResults:
    """Gradient ascent, the sigmoid and ∇ℓ against scikit-learn and TensorFlow."""
    design, labels = breast_cancer_design(features)
    theta, history = gradient_ascent(design, labels, learning_rate, iterations)
    rng = np.random.default_rng(seed)
    random_theta = rng.normal(size=design.shape[1])
    # Saturated tails included: g must stay exact (and finite) far from 0.
    z = np.concatenate([np.linspace(-40.0, 40.0, 801), [-1e4, -710.0, 710.0, 1e4]])
    tf_sigmoid, tf_derivative, tf_gradient = _tape_gradients(random_theta, design, labels, z)
    checks = [
        compare(
            "logistic_sigmoid",
            "(21)",
            "g(z) and g'(z) = g(z)(1 - g(z)) on z in [-40, 40] and at ±710, ±1e4",
            "tf.math.sigmoid, tf.GradientTape",
            [(sigmoid(z), tf_sigmoid), (sigmoid_derivative(z), tf_derivative)],
            ROUND_OFF_TOLERANCE,
        ),
        compare(
            "logistic_log_likelihood_gradient",
            "(25-27)",
            "∇ℓ(θ) = Σ(y - h(x))x at a random θ against TensorFlow's derivative of ℓ",
            "tf.GradientTape",
            [(log_likelihood_gradient(random_theta, design, labels), tf_gradient)],
            ROUND_OFF_TOLERANCE,
        ),
        compare(
            "logistic_gradient_ascent",
            "(20-27)",
            f"θ after {iterations} gradient-ascent steps on ℓ against the maximum-likelihood fit",
            "sklearn LogisticRegression(C=∞, unpenalised)",
            [(theta, _sklearn_solution(design, labels))],
            ITERATIVE_TOLERANCE,
        ),
    ]
    return LogisticRegressionResults(checks, design, labels, theta, history, list(features))
