"""The recogniser: MNIST CNNs with a 14-way output, built from MNIST's own code and params, averaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from redes.aircalc.models import average_members, build_recognizer
from redes.aircalc.recognize import Recognizer
from redes.aircalc.symbols import N_CLASSES
from redes.config import Params
from redes.mnist.models import build_cnn
from redes.training import save_model


def test_the_recognizer_is_the_mnist_cnn_with_fourteen_outputs(tiny_params: Params) -> None:
    params = tiny_params.mnist.cnn
    recognizer = build_recognizer(params)
    digits = build_cnn(params)
    assert recognizer.output_shape == (None, N_CLASSES)
    hidden = [type(layer).__name__ for layer in recognizer.layers[:-1]]
    assert hidden == [type(layer).__name__ for layer in digits.layers[:-1]]
    probabilities = recognizer(np.zeros((3, 28, 28, 1), np.float32), training=False).numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_the_recognizer_averages_its_members_probabilities(tiny_params: Params, tmp_path: Path) -> None:
    params = tiny_params.aircalc.recognizer
    assert params.augmentation.pen_growth  # the members' own layer must load back too
    members = [build_recognizer(params, name=f"member_seed{seed}") for seed in (1, 2)]
    assert average_members(members[:1]) is members[0]
    ensemble = average_members(members)
    images = np.random.default_rng(0).uniform(size=(5, 28, 28, 1)).astype(np.float32)
    expected = np.mean([member(images, training=False).numpy() for member in members], axis=0)
    np.testing.assert_allclose(ensemble(images, training=False).numpy(), expected, rtol=1e-6)
    save_model(ensemble, tmp_path / "model.keras")
    loaded = Recognizer.load(tmp_path / "model.keras").model
    np.testing.assert_allclose(loaded(images, training=False).numpy(), expected, rtol=1e-6)
