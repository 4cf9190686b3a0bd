"""The AirCalc recogniser: the MNIST CNN of `redes.mnist.models` with a 14-way softmax.

The convolutional blocks, dense layer, dropout and augmentation are MNIST's, built from the
same params type; only the output layer changes, from 10 digits to the 14 symbols.
"""

from __future__ import annotations

import keras
from keras import layers

from redes.aircalc.symbols import N_CLASSES
from redes.mnist.models import build_cnn
from redes.mnist.params import MnistCnn


def build_recognizer(params: MnistCnn) -> keras.Model:
    digits = build_cnn(params)
    # The layer that feeds MNIST's 10-way softmax; that softmax is left out of the new graph.
    features = digits.get_layer("softmax").input
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="softmax_symbols")(features)
    return keras.Model(digits.input, outputs, name="aircalc_cnn")
