"""The pen growth that teaches the CNN to ignore the pen, against scipy's grey dilation."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from scipy import ndimage

from redes.mnist.models import RandomPenGrowth


def _strokes(count: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    images = np.zeros((count, 28, 28, 1), np.float32)
    for image in images:
        row, column = rng.integers(6, 22, size=2)
        image[row, 4:24, 0] = rng.uniform(0.5, 1.0)  # a one-pixel bar of grey ink
        image[4:24, column, 0] = 1.0
    return images


def test_pen_growth_thickens_each_image_by_its_own_random_number_of_dilations() -> None:
    images = _strokes(64)
    grown = np.asarray(RandomPenGrowth(2, seed=3)(images, training=True))
    dilations = [images]
    for _ in range(2):
        # A 2x2 footprint: one pixel wider, grown towards the top left as TF's "same" max pool grows it.
        dilations.append(ndimage.grey_dilation(dilations[-1], size=(1, 2, 2, 1), mode="constant", cval=0.0))
    steps = []
    for index, image in enumerate(grown):
        matches = [k for k, dilated in enumerate(dilations) if np.array_equal(image, dilated[index])]
        assert len(matches) == 1, f"image {index} is no dilation of its input"
        steps.append(matches[0])
    assert set(steps) == {0, 1, 2}  # each image draws its own pen
    # The three pens differ, so each image's match says which it drew.
    assert np.count_nonzero(dilations[2]) > np.count_nonzero(dilations[1]) > np.count_nonzero(images)


def test_pen_growth_is_off_at_inference_and_survives_saving(tmp_path: Path) -> None:
    images = _strokes(4)
    model = keras.Sequential([keras.Input((28, 28, 1)), RandomPenGrowth(2, seed=1, name="random_pen_growth")])
    np.testing.assert_array_equal(np.asarray(model(images, training=False)), images)
    model.save(tmp_path / "pen.keras")
    loaded = keras.saving.load_model(tmp_path / "pen.keras")
    assert loaded.get_layer("random_pen_growth").get_config()["max_steps"] == 2
    np.testing.assert_array_equal(np.asarray(loaded(images, training=False)), images)
