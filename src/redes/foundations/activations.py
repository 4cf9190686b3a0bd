"""Activation functions g(z) and their derivatives g'(z), elementwise, in float64.

Written to stay finite for any input: the sigmoid never evaluates `exp` of a large
positive number, so |z| of 1e4 gives 0 or 1 without an overflow warning.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import erf

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """g(z) = 1 / (1 + e^{-z}), eq. (21), evaluated through e^{-|z|} <= 1."""
    z = np.asarray(z, dtype=np.float64)
    decay = np.exp(-np.abs(z))
    return np.where(z >= 0.0, 1.0 / (1.0 + decay), decay / (1.0 + decay))


def sigmoid_derivative(z: Array) -> Array:
    """g'(z) = g(z) (1 - g(z)), eq. (21)."""
    value = sigmoid(z)
    return value * (1.0 - value)


def relu(z: Array) -> Array:
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_derivative(z: Array) -> Array:
    # 0 at z = 0, the subgradient TensorFlow takes too.
    return (np.asarray(z) > 0.0).astype(np.float64)


def tanh(z: Array) -> Array:
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_derivative(z: Array) -> Array:
    return 1.0 - np.tanh(np.asarray(z, dtype=np.float64)) ** 2


LEAKY_RELU_SLOPE = 0.01  # slope for z < 0; tf.nn.leaky_relu(alpha=0.01) is the reference


def leaky_relu(z: Array, negative_slope: float = LEAKY_RELU_SLOPE) -> Array:
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0.0, z, negative_slope * z)


def leaky_relu_derivative(z: Array, negative_slope: float = LEAKY_RELU_SLOPE) -> Array:
    return np.where(np.asarray(z) > 0.0, 1.0, negative_slope)


def gelu(z: Array) -> Array:
    """GELU in its exact form z Φ(z), Φ the standard normal CDF written with erf."""
    z = np.asarray(z, dtype=np.float64)
    return 0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))


def gelu_derivative(z: Array) -> Array:
    """Φ(z) + z φ(z)."""
    z = np.asarray(z, dtype=np.float64)
    cdf = 0.5 * (1.0 + erf(z / np.sqrt(2.0)))
    density = np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    return cdf + z * density


def softmax(z: Array, axis: int = -1) -> Array:
    """e^{z_i} / Σ_j e^{z_j}, shifted by max z so no exponent is positive."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / np.sum(exponentials, axis=axis, keepdims=True)


def log_softmax(z: Array, axis: int = -1) -> Array:
    z = np.asarray(z, dtype=np.float64)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# name -> (g, g'), the activations of the notes; names as Keras spells them.
ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "relu": (relu, relu_derivative),
    "tanh": (tanh, tanh_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "gelu": (gelu, gelu_derivative),
}
