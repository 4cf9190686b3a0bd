"""LayerNorm (38, 56) and batch normalisation, forward passes over the last (feature) axis.

Both normalise x to zero mean and unit variance and then scale by γ and shift by β;
LayerNorm takes the statistics over the features of each example, batch norm over the
examples (and, for images, the positions) of each feature. Variances are the biased
(1/n) ones, as Keras computes them.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def layer_norm(x: Array, gamma: Array, beta: Array, epsilon: float) -> Array:
    """γ (x - μ) / sqrt(σ² + ε) + β, with μ, σ² over the last axis of each example."""
    x = np.asarray(x, dtype=np.float64)
    mean = np.mean(x, axis=-1, keepdims=True)
    variance = np.var(x, axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def batch_norm_training(
    x: Array,
    gamma: Array,
    beta: Array,
    moving_mean: Array,
    moving_variance: Array,
    momentum: float,
    epsilon: float,
) -> tuple[Array, Array, Array]:
    """Normalise with the batch's statistics; return (output, new moving mean, new moving variance).

    The moving averages are what inference uses: m <- momentum m + (1 - momentum) batch statistic.
    """
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - 1))
    mean = np.mean(x, axis=axes)
    variance = np.var(x, axis=axes)
    output = gamma * (x - mean) / np.sqrt(variance + epsilon) + beta
    new_mean = momentum * moving_mean + (1.0 - momentum) * mean
    new_variance = momentum * moving_variance + (1.0 - momentum) * variance
    return output, new_mean, new_variance


def batch_norm_inference(
    x: Array, gamma: Array, beta: Array, moving_mean: Array, moving_variance: Array, epsilon: float
) -> Array:
    """Normalise with the moving statistics gathered in training: a fixed affine map per feature."""
    x = np.asarray(x, dtype=np.float64)
    return gamma * (x - moving_mean) / np.sqrt(moving_variance + epsilon) + beta
