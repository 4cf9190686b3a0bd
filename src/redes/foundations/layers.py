"""Layers of a convolutional network in NumPy, each checked against the Keras layer with the same weights.

Convolution and max pooling are written through im2col: every receptive field of the image
becomes one row, so a convolution is a single matrix product with the kernel reshaped to
(kh·kw·channels, filters), and a max pooling is a max along each row. LayerNorm (38) and batch
normalisation come from `normalization.py`; here they meet `keras.layers`.

Images are NHWC (batch, height, width, channels) and kernels HWIO (kh, kw, in, out), as in
Keras, so the kernel's reshape is a plain row-major one. Padding follows TensorFlow's rule.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from redes.foundations.checks import Check, compare, float32_exact
from redes.foundations.normalization import batch_norm_inference, batch_norm_training, layer_norm

Array = np.ndarray

PADDINGS = ("same", "valid")

# Keras computes in float32 (unit roundoff 6e-8); the sums of a few dozen products in a conv
# or a normalisation lose a few ulps each, two orders of magnitude below this.
KERAS_FLOAT32_TOLERANCE = 1e-5

# Keras' default ε for both normalisations; the momentum is below Keras' 0.99 so one training
# step moves the moving statistics visibly.
NORMALIZATION_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.9


def padding_amounts(size: int, kernel_size: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros added (before, after) along one axis of `size`: TensorFlow's rule.

    "valid" adds none. "same" adds what it takes for ceil(size / stride) outputs,
    max((ceil(size/stride) - 1)·stride + kernel_size - size, 0), the smaller half before.
    """
    _check_window(kernel_size, stride, padding)
    if padding == "valid":
        return 0, 0
    total = max((math.ceil(size / stride) - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


def output_size(size: int, kernel_size: int, stride: int, padding: str) -> int:
    """Number of window positions along an axis of `size`; ValueError if "valid" leaves none."""
    before, after = padding_amounts(size, kernel_size, stride, padding)
    padded = size + before + after
    if kernel_size > padded:
        raise ValueError(f"kernel size {kernel_size} is larger than the input size {size} with padding '{padding}'")
    return (padded - kernel_size) // stride + 1


def im2col(x: Array, kernel_size: tuple[int, int], stride: int, padding: str, fill_value: float = 0.0) -> Array:
    """The receptive fields of NHWC images as rows: shape (batch, out_h, out_w, kh·kw·channels).

    Each row is the (kh, kw, channels) window flattened in row-major order, the order in which
    an HWIO kernel reshapes to (kh·kw·channels, filters). Padded positions hold `fill_value`.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"expected NHWC images of shape (batch, height, width, channels), got shape {x.shape}")
    kernel_height, kernel_width = kernel_size
    _, height, width, channels = x.shape
    output_height = output_size(height, kernel_height, stride, padding)
    output_width = output_size(width, kernel_width, stride, padding)
    pad_height = padding_amounts(height, kernel_height, stride, padding)
    pad_width = padding_amounts(width, kernel_width, stride, padding)
    padded = np.pad(x, ((0, 0), pad_height, pad_width, (0, 0)), constant_values=fill_value)
    patches = np.empty((x.shape[0], output_height, output_width, kernel_height, kernel_width, channels))
    # One strided slice per kernel offset (i, j) fills that offset for every window at once.
    for i in range(kernel_height):
        for j in range(kernel_width):
            patches[:, :, :, i, j, :] = padded[
                :,
                i : i + stride * (output_height - 1) + 1 : stride,
                j : j + stride * (output_width - 1) + 1 : stride,
                :,
            ]
    return patches.reshape(x.shape[0], output_height, output_width, -1)


def conv2d(x: Array, kernel: Array, bias: Array, stride: int, padding: str) -> Array:
    """2-D convolution (cross-correlation, as in Keras) of NHWC `x` with an HWIO `kernel`, plus `bias`."""
    kernel = np.asarray(kernel, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    if kernel.ndim != 4:
        raise ValueError(f"expected a kernel of shape (kh, kw, in_channels, filters), got shape {kernel.shape}")
    if np.ndim(x) == 4 and np.shape(x)[-1] != kernel.shape[2]:
        raise ValueError(f"input of shape {np.shape(x)} does not have the kernel's {kernel.shape[2]} channels")
    if bias.shape != (kernel.shape[3],):
        raise ValueError(f"expected a bias of shape ({kernel.shape[3]},), got shape {bias.shape}")
    patches = im2col(x, kernel.shape[:2], stride, padding)
    return patches @ kernel.reshape(-1, kernel.shape[3]) + bias


def max_pool2d(x: Array, pool_size: int, stride: int, padding: str) -> Array:
    """Max over each pool_size × pool_size window of NHWC `x`, channel by channel."""
    x = np.asarray(x, dtype=np.float64)
    # -inf padding never wins a max, so a window hanging over the border takes the max of its inside.
    patches = im2col(x, (pool_size, pool_size), stride, padding, fill_value=-np.inf)
    windows = patches.reshape(*patches.shape[:3], pool_size * pool_size, x.shape[-1])
    return np.max(windows, axis=3)


def layer_checks(
    seed: int, batch_size: int, height: int, width: int, channels: int, filters: int, kernel_size: int
) -> list[Check]:
    """LayerNorm, batch norm, convolution and max pooling against Keras layers with the same weights.

    Keras runs in float32; our side runs in float64 on the same float32-representable inputs
    and weights, so the difference is Keras' rounding alone.
    """
    rng = np.random.default_rng(seed)
    images = float32_exact(rng.normal(size=(batch_size, height, width, channels)))
    checks = [_layer_norm_check(rng, images.reshape(batch_size, -1))]
    checks += _batch_norm_checks(rng, images)
    kernel = float32_exact(rng.normal(size=(kernel_size, kernel_size, channels, filters)) / kernel_size)
    bias = float32_exact(rng.normal(size=filters))
    for padding in PADDINGS:
        for stride in (1, 2):
            checks.append(_conv2d_check(images, kernel, bias, stride, padding))
    for padding in PADDINGS:
        for stride in (1, 2):
            checks.append(_max_pool_check(images, kernel_size, stride, padding))
    return checks


def _check_window(kernel_size: int, stride: int, padding: str) -> None:
    if padding not in PADDINGS:
        raise ValueError(f"unknown padding '{padding}'; expected one of {PADDINGS}")
    if kernel_size < 1 or stride < 1:
        raise ValueError(f"kernel size and stride must be positive, got {kernel_size} and {stride}")


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
