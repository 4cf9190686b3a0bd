"""im2col convolution and max pooling, LayerNorm and batch norm against Keras layers with the same weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from redes.foundations.checks import float32_exact, relative_error
from redes.foundations.layers import conv2d, im2col, max_pool2d, output_size, padding_amounts
from redes.foundations.layers_checks import KERAS_FLOAT32_TOLERANCE, layer_checks
from redes.foundations.params import LayersParams


def keras_output(layer: keras.layers.Layer, weights: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    layer.build(x.shape)
    layer.set_weights([np.asarray(weight, dtype=np.float32) for weight in weights])
    return keras.ops.convert_to_numpy(layer(np.asarray(x, dtype=np.float32)))


@pytest.mark.parametrize(
    ("batch_size", "height", "width", "channels", "filters", "kernel_size"),
    [(4, 9, 8, 3, 5, 3), (2, 7, 7, 1, 2, 3), (3, 6, 5, 2, 4, 2)],
)
def test_every_layer_check_passes(
    batch_size: int, height: int, width: int, channels: int, filters: int, kernel_size: int
) -> None:
    params = LayersParams(
        batch_size=batch_size, height=height, width=width, channels=channels, filters=filters, kernel_size=kernel_size
    )
    checks = layer_checks(params, seed=0)
    by_name = {check.name: check for check in checks}
    assert len(by_name) == len(checks)
    expected = {
        "layers_layer_norm": "(38)",
        "layers_batch_norm_training": "(BN)",
        "layers_batch_norm_inference": "(BN)",
    }
    for padding in ("same", "valid"):
        for stride in (1, 2):
            expected[f"layers_conv2d_{padding}_stride{stride}"] = "(conv)"
            expected[f"layers_max_pool_{padding}_stride{stride}"] = "(pool)"
    assert {name: check.equation for name, check in by_name.items()} == expected
    for check in checks:
        assert check.tolerance == KERAS_FLOAT32_TOLERANCE == 1e-5
        assert check.max_rel_error <= 1e-5, check
        assert check.passed


@pytest.mark.parametrize(
    ("size", "kernel_size", "stride", "padding", "expected"),
    [
        (7, 3, 2, "same", (1, 1)),  # 4 outputs need 9 positions
        (8, 3, 2, "same", (0, 1)),  # odd total: the extra zero goes after
        (8, 4, 1, "same", (1, 2)),
        (7, 3, 3, "same", (1, 1)),
        (9, 3, 3, "same", (0, 0)),  # windows tile the input exactly
        (7, 3, 2, "valid", (0, 0)),
    ],
)
def test_padding_follows_tensorflow(
    size: int, kernel_size: int, stride: int, padding: str, expected: tuple[int, int]
) -> None:
    assert padding_amounts(size, kernel_size, stride, padding) == expected


def test_im2col_rows_are_the_windows_flattened_in_kernel_order() -> None:
    x = np.random.default_rng(1).normal(size=(2, 5, 6, 3))
    patches = im2col(x, (3, 2), 2, "valid")
    assert patches.shape == (2, 2, 3, 3 * 2 * 3)
    for row in range(2):
        for column in range(3):
            window = x[1, 2 * row : 2 * row + 3, 2 * column : 2 * column + 2, :]
            np.testing.assert_array_equal(patches[1, row, column], window.ravel())


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize(("height", "width"), [(7, 7), (8, 6)])
def test_conv2d_and_max_pool_match_keras_shapes_and_values(padding: str, stride: int, height: int, width: int) -> None:
    rng = np.random.default_rng(2)
    x = float32_exact(rng.normal(size=(2, height, width, 3)))
    kernel = float32_exact(rng.normal(size=(3, 3, 3, 4)))
    bias = float32_exact(rng.normal(size=4))
    reference = keras_output(keras.layers.Conv2D(4, 3, strides=stride, padding=padding), [kernel, bias], x)
    ours = conv2d(x, kernel, bias, stride, padding)
    assert ours.shape == reference.shape
    assert relative_error(ours, reference) <= KERAS_FLOAT32_TOLERANCE

    reference = keras_output(keras.layers.MaxPooling2D(3, strides=stride, padding=padding), [], x)
    ours = max_pool2d(x, 3, stride, padding)
    assert ours.shape == reference.shape
    np.testing.assert_array_equal(ours, reference)


def test_max_pool_padding_never_wins_on_negative_inputs() -> None:
    # Zero padding would put zeros in the border windows; Keras (and -inf padding) keeps them negative.
    x = float32_exact(-1.0 - np.abs(np.random.default_rng(3).normal(size=(1, 5, 5, 2))))
    ours = max_pool2d(x, 2, 2, "same")
    assert np.all(ours < 0)
    np.testing.assert_array_equal(ours, keras_output(keras.layers.MaxPooling2D(2, strides=2, padding="same"), [], x))


def test_same_padding_accepts_a_kernel_larger_than_the_input() -> None:
    rng = np.random.default_rng(4)
    x = float32_exact(rng.normal(size=(1, 3, 3, 2)))
    kernel = float32_exact(rng.normal(size=(5, 5, 2, 3)))
    bias = np.zeros(3)
    reference = keras_output(keras.layers.Conv2D(3, 5, padding="same"), [kernel, bias], x)
    assert relative_error(conv2d(x, kernel, bias, 1, "same"), reference) <= KERAS_FLOAT32_TOLERANCE


def test_valid_padding_rejects_a_kernel_larger_than_the_input() -> None:
    x = np.zeros((1, 3, 3, 2))
    with pytest.raises(ValueError, match="larger than the input"):
        conv2d(x, np.zeros((5, 5, 2, 3)), np.zeros(3), 1, "valid")
    with pytest.raises(ValueError, match="larger than the input"):
        max_pool2d(x, 4, 1, "valid")
    with pytest.raises(ValueError, match="larger than the input"):
        output_size(3, 4, 1, "valid")
    with pytest.raises(ValueError, match="larger than the input"):
        layer_checks(LayersParams(batch_size=2, height=3, width=3, channels=1, filters=2, kernel_size=5), seed=0)


def test_bad_arguments_raise_clear_errors() -> None:
    x = np.zeros((1, 5, 5, 2))
    with pytest.raises(ValueError, match="unknown padding"):
        conv2d(x, np.zeros((3, 3, 2, 1)), np.zeros(1), 1, "full")
    with pytest.raises(ValueError, match="positive"):
        max_pool2d(x, 2, 0, "same")
    with pytest.raises(ValueError, match="channels"):
        conv2d(x, np.zeros((3, 3, 4, 1)), np.zeros(1), 1, "same")
    with pytest.raises(ValueError, match="bias"):
        conv2d(x, np.zeros((3, 3, 2, 1)), np.zeros(2), 1, "same")
    with pytest.raises(ValueError, match="NHWC"):
        im2col(np.zeros((5, 5, 2)), (3, 3), 1, "same")
