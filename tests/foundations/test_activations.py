"""Activations and their derivatives against TensorFlow's, and their behaviour far from zero."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import norm

from redes.foundations.activations import (
    ACTIVATIONS,
    gelu,
    gelu_derivative,
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    softmax,
)
from redes.foundations.checks import relative_error

TENSORFLOW = {
    "sigmoid": tf.math.sigmoid,
    "relu": tf.nn.relu,
    "tanh": tf.math.tanh,
    "leaky_relu": lambda z: tf.nn.leaky_relu(z, alpha=0.01),
    "gelu": lambda z: tf.nn.gelu(z, approximate=False),
}
# TensorFlow's float64 kernels are not all exact: gelu's erf is good to ~5e-9, and leaky_relu
# keeps its slope in float32 (0.0099999998). Those two are also checked exactly against SciPy below.
TENSORFLOW_ACCURACY = {"gelu": 1e-8, "leaky_relu": 1e-8}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_and_derivative_match_tensorflow(name: str) -> None:
    function, derivative = ACTIVATIONS[name]
    # Away from ReLU's kink, where the derivative is a matter of convention.
    z = np.concatenate([np.linspace(-6.0, -1e-3, 300), np.linspace(1e-3, 6.0, 300)])
    z_tensor = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_tensor)
        values = TENSORFLOW[name](z_tensor)
    tolerance = TENSORFLOW_ACCURACY.get(name, 1e-12)
    assert relative_error(function(z), values.numpy()) <= tolerance
    assert relative_error(derivative(z), tape.gradient(values, z_tensor).numpy()) <= tolerance


def test_gelu_is_z_times_the_normal_cdf() -> None:
    z = np.linspace(-8.0, 8.0, 1001)
    assert relative_error(gelu(z), z * norm.cdf(z)) <= 1e-14
    assert relative_error(gelu_derivative(z), norm.cdf(z) + z * norm.pdf(z)) <= 1e-14


def test_leaky_relu_slope() -> None:
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    assert np.array_equal(leaky_relu(z), [-0.02, -0.005, 0.5, 2.0])
    assert np.array_equal(leaky_relu_derivative(z), [0.01, 0.01, 1.0, 1.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_no_overflow_for_large_inputs(name: str) -> None:
    function, derivative = ACTIVATIONS[name]
    z = np.array([-1e6, -1e3, 1e3, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(function(z))) and np.all(np.isfinite(derivative(z)))


def test_softmax_of_huge_logits_is_a_distribution() -> None:
    logits = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probabilities = softmax(logits)
        log_probabilities = log_softmax(logits)
    assert np.allclose(probabilities.sum(axis=-1), 1.0)
    assert np.allclose(probabilities[1], 1.0 / 3.0)
    assert relative_error(log_probabilities, tf.nn.log_softmax(tf.constant(logits)).numpy()) <= 1e-12
