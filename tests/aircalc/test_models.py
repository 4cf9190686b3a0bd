"""The recogniser is the MNIST CNN with a 14-way output, built from MNIST's own code and params."""

from __future__ import annotations

import numpy as np

from redes.aircalc.models import build_recognizer
from redes.aircalc.symbols import N_CLASSES
from redes.config import Params
from redes.mnist.models import build_cnn


def test_the_recognizer_is_the_mnist_cnn_with_fourteen_outputs(tiny_params: Params) -> None:
    params = tiny_params.mnist.cnn
    recognizer = build_recognizer(params)
    digits = build_cnn(params)
    assert recognizer.output_shape == (None, N_CLASSES)
    hidden = [type(layer).__name__ for layer in recognizer.layers[:-1]]
    assert hidden == [type(layer).__name__ for layer in digits.layers[:-1]]
    probabilities = recognizer(np.zeros((3, 28, 28, 1), np.float32), training=False).numpy()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
