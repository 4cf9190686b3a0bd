"""Logistic regression of `logistic.py` on the breast-cancer set against scikit-learn and `tf.GradientTape`.

Also what the figures draw: the data, the fitted θ and ℓ after each step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from sklearn.linear_model import LogisticRegression

from redes.foundations.activations import sigmoid, sigmoid_derivative
from redes.foundations.checks import Check, compare
from redes.foundations.logistic import breast_cancer_design, gradient_ascent, log_likelihood_gradient
from redes.foundations.params import LogisticRegressionParams

Array = np.ndarray

ITERATIVE_TOLERANCE = 1e-4  # gradient ascent stopped after a finite number of steps
ROUND_OFF_TOLERANCE = 1e-12  # the same float64 formula computed two ways


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


def logistic_regression_checks(params: LogisticRegressionParams, seed: int) -> LogisticRegressionResults:
    """Gradient ascent, the sigmoid and ∇ℓ against scikit-learn and TensorFlow."""
    design, labels = breast_cancer_design(params.features)
    theta, history = gradient_ascent(design, labels, params.learning_rate, params.iterations)
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
            f"θ after {params.iterations} gradient-ascent steps on ℓ against the maximum-likelihood fit",
            "sklearn LogisticRegression(C=∞, unpenalised)",
            [(theta, _sklearn_solution(design, labels))],
            ITERATIVE_TOLERANCE,
        ),
    ]
    return LogisticRegressionResults(checks, design, labels, theta, history, list(params.features))
