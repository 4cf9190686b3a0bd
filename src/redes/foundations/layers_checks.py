"""The layers of `layers.py` and `normalization.py` against the Keras layers with the same weights.

LayerNorm, batch norm (training and inference), convolution and max pooling, each padding and
stride. Keras runs in float32; our side runs in float64 on the same float32-representable
inputs and weights, so the difference is Keras' rounding alone.
"""

from __future__ import annotations

import keras
import numpy as np

from redes.foundations.checks import Check, compare, float32_exact
from redes.foundations.layers import PADDINGS, conv2d, max_pool2d
from redes.foundations.normalization import batch_norm_inference, batch_norm_training, layer_norm
from redes.foundations.params import LayersParams

Array = np.ndarray

# Keras computes in float32 (unit roundoff 6e-8); the sums of a few dozen products in a conv
# or a normalisation lose a few ulps each, two orders of magnitude below this.
KERAS_FLOAT32_TOLERANCE = 1e-5

# Keras' default ε for both normalisations; the momentum is below Keras' 0.99 so one training
# step moves the moving statistics visibly.
NORMALIZATION_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.9


def layer_checks(params: LayersParams, seed: int) -> list[Check]:
    """LayerNorm, batch norm, convolution and max pooling against Keras layers with the same weights."""
    rng = np.random.default_rng(seed)
    shape = (params.batch_size, params.height, params.width, params.channels)
    images = float32_exact(rng.normal(size=shape))
    checks = [_layer_norm_check(rng, images.reshape(params.batch_size, -1))]
    checks += _batch_norm_checks(rng, images)
    kernel_size = params.kernel_size
    kernel_shape = (kernel_size, kernel_size, params.channels, params.filters)
    kernel = float32_exact(rng.normal(size=kernel_shape) / kernel_size)
    bias = float32_exact(rng.normal(size=params.filters))
    for padding in PADDINGS:
        for stride in (1, 2):
            checks.append(_conv2d_check(images, kernel, bias, stride, padding))
    for padding in PADDINGS:
        for stride in (1, 2):
            checks.append(_max_pool_check(images, kernel_size, stride, padding))
    return checks


def _keras_float32(layer: keras.layers.Layer, weights: list[Array], x: Array, **call_arguments: bool) -> Array:
    layer.build(x.shape)
    layer.set_weights([np.asarray(weight, dtype=np.float32) for weight in weights])
    return keras.ops.convert_to_numpy(layer(np.asarray(x, dtype=np.float32), **call_arguments))


def _layer_norm_check(rng: np.random.Generator, features: Array) -> Check:
    gamma = float32_exact(1.0 + 0.1 * rng.normal(size=features.shape[-1]))
    beta = float32_exact(0.1 * rng.normal(size=features.shape[-1]))
    layer = keras.layers.LayerNormalization(axis=-1, epsilon=NORMALIZATION_EPSILON, dtype="float32")
    reference = _keras_float32(layer, [gamma, beta], features)
    ours = layer_norm(features, gamma, beta, NORMALIZATION_EPSILON)
    return compare(
        "layers_layer_norm",
        "(38)",
        "LayerNorm over the flattened features of each image, float32 Keras",
        "keras.layers.LayerNormalization",
        [(ours, reference)],
        KERAS_FLOAT32_TOLERANCE,
    )


def _batch_norm_checks(rng: np.random.Generator, images: Array) -> list[Check]:
    channels = images.shape[-1]
    gamma = float32_exact(1.0 + 0.1 * rng.normal(size=channels))
    beta = float32_exact(0.1 * rng.normal(size=channels))
    # Moving statistics away from Keras' initial (0, 1), so a wrong update or a swap shows.
    moving_mean = float32_exact(0.5 * rng.normal(size=channels))
    moving_variance = float32_exact(rng.uniform(0.5, 2.0, size=channels))
    weights = [gamma, beta, moving_mean, moving_variance]

    def keras_layer() -> keras.layers.BatchNormalization:
        return keras.layers.BatchNormalization(
            axis=-1, momentum=BATCH_NORM_MOMENTUM, epsilon=NORMALIZATION_EPSILON, dtype="float32"
        )

    training_layer = keras_layer()
    training_reference = _keras_float32(training_layer, weights, images, training=True)
    ours, new_mean, new_variance = batch_norm_training(
        images, gamma, beta, moving_mean, moving_variance, BATCH_NORM_MOMENTUM, NORMALIZATION_EPSILON
    )
    training_check = compare(
        "layers_batch_norm_training",
        "(BN)",
        "batch norm with the batch's statistics over examples and positions, and the updated moving mean/variance",
        "keras.layers.BatchNormalization(training=True)",
        [
            (ours, training_reference),
            (new_mean, keras.ops.convert_to_numpy(training_layer.moving_mean)),
            (new_variance, keras.ops.convert_to_numpy(training_layer.moving_variance)),
        ],
        KERAS_FLOAT32_TOLERANCE,
    )
    inference_reference = _keras_float32(keras_layer(), weights, images, training=False)
    inference_check = compare(
        "layers_batch_norm_inference",
        "(BN)",
        "batch norm with given moving statistics",
        "keras.layers.BatchNormalization(training=False)",
        [(batch_norm_inference(images, *weights, NORMALIZATION_EPSILON), inference_reference)],
        KERAS_FLOAT32_TOLERANCE,
    )
    return [training_check, inference_check]


def _conv2d_check(images: Array, kernel: Array, bias: Array, stride: int, padding: str) -> Check:
    kernel_size = kernel.shape[:2]
    layer = keras.layers.Conv2D(kernel.shape[3], kernel_size, strides=stride, padding=padding, dtype="float32")
    ours = conv2d(images, kernel, bias, stride, padding)  # first, so a bad size raises our ValueError
    reference = _keras_float32(layer, [kernel, bias], images)
    return compare(
        f"layers_conv2d_{padding}_stride{stride}",
        "(conv)",
        f"im2col convolution, {kernel_size[0]}x{kernel_size[1]} kernel, stride {stride}, '{padding}' padding",
        "keras.layers.Conv2D",
        [(ours, reference)],
        KERAS_FLOAT32_TOLERANCE,
    )


def _max_pool_check(images: Array, pool_size: int, stride: int, padding: str) -> Check:
    layer = keras.layers.MaxPooling2D(pool_size, strides=stride, padding=padding, dtype="float32")
    ours = max_pool2d(images, pool_size, stride, padding)  # first, so a bad size raises our ValueError
    reference = _keras_float32(layer, [], images)
    return compare(
        f"layers_max_pool_{padding}_stride{stride}",
        "(pool)",
        f"im2col max pooling, {pool_size}x{pool_size} window, stride {stride}, '{padding}' padding",
        "keras.layers.MaxPooling2D",
        [(ours, reference)],
        KERAS_FLOAT32_TOLERANCE,
    )
