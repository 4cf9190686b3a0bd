"""Layers of a convolutional network in NumPy: convolution and max pooling through im2col.

Convolution and max pooling are written through im2col: every receptive field of the image
becomes one row, so a convolution is a single matrix product with the kernel reshaped to
(kh·kw·channels, filters), and a max pooling is a max along each row. (LayerNorm (38) and
batch normalisation are in `normalization.py`.)

Images are NHWC (batch, height, width, channels) and kernels HWIO (kh, kw, in, out), as in
Keras, so the kernel's reshape is a plain row-major one. Padding follows TensorFlow's rule.
`layers_checks.py` compares each layer with the Keras layer given the same weights.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray

PADDINGS = ("same", "valid")


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


def _check_window(kernel_size: int, stride: int, padding: str) -> None:
    if padding not in PADDINGS:
        raise ValueError(f"unknown padding '{padding}'; expected one of {PADDINGS}")
    if kernel_size < 1 or stride < 1:
        raise ValueError(f"kernel size and stride must be positive, got {kernel_size} and {stride}")
