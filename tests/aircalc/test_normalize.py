"""The MNIST recipe for every symbol: 20x20 box, aspect ratio kept, centre of mass at the centre."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from redes.aircalc.normalize import ink_from_image, normalize_symbol
from tests.helpers.synthetic import digit_images


def _extent(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((image > 0.05).any(axis=1))
    cols = np.flatnonzero((image > 0.05).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_a_minus_stays_a_thin_bar_fitted_to_twenty_pixels() -> None:
    bar = np.zeros((200, 300), dtype=np.float32)
    bar[100:110, 40:260] = 1.0  # 220 wide, 10 high
    normalized = normalize_symbol(bar)
    height, width = _extent(normalized)
    assert normalized.shape == (28, 28) and normalized.dtype == np.float32
    assert width == 20
    assert height <= 3
    assert normalized.max() == pytest.approx(1.0)


def test_a_tall_stroke_keeps_its_aspect_ratio_and_its_centre_of_mass_is_centred() -> None:
    stroke = np.zeros((100, 100), dtype=np.float32)
    stroke[5:85, 70:78] = 1.0  # a "1" written far off-centre
    normalized = normalize_symbol(stroke)
    height, width = _extent(normalized)
    assert height == 20 and width <= 3
    np.testing.assert_allclose(ndimage.center_of_mass(normalized), (14, 14), atol=0.5)


def test_mnist_digits_are_already_normalised_so_they_barely_change() -> None:
    digits = digit_images(np.arange(10), np.random.default_rng(0)) / np.float32(255.0)
    for digit in digits:
        once = normalize_symbol(digit)
        np.testing.assert_allclose(normalize_symbol(once), once, atol=1e-5)


def test_an_image_without_ink_is_refused() -> None:
    with pytest.raises(ValueError, match="no ink"):
        normalize_symbol(np.zeros((28, 28)))


def test_pen_on_paper_and_chalk_on_a_board_give_the_same_ink() -> None:
    ink = np.zeros((40, 60), dtype=np.float32)
    ink[10:30, 20:24] = 1.0
    paper = (230 - 200 * ink).astype(np.uint8)  # grey paper, dark pen
    board = np.stack([20 + 200 * ink] * 3, axis=-1).astype(np.uint8)  # RGB, light chalk
    for image, kind in ((paper, "dark"), (board, "light")):
        np.testing.assert_allclose(ink_from_image(image, kind), ink, atol=1e-6)
        np.testing.assert_allclose(ink_from_image(image), ink, atol=1e-6)
    assert not ink_from_image(np.full((5, 5), 128, np.uint8)).any()
