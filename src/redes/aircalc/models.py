"""The AirCalc recogniser: the MNIST CNN of `redes.mnist.models` with a 14-way softmax, trained `members` times.

The convolutional blocks, dense layer, dropout and augmentation are MNIST's, built from the
same params type; only the output layer changes, from 10 digits to the 14 symbols. The
members, trained alike from different seeds, err on different symbols: the recogniser
averages their probabilities, in one Keras model.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from redes.aircalc.symbols import N_CLASSES
from redes.mnist.data import IMAGE_SHAPE
from redes.mnist.models import build_cnn
from redes.mnist.params import MnistCnn


def build_recognizer(params: MnistCnn, name: str = "aircalc_cnn") -> keras.Model:
    """One member: the MNIST CNN whose 10-way softmax is replaced by a 14-way one."""
    digits = build_cnn(params)
    # The layer that feeds MNIST's 10-way softmax; that softmax is left out of the new graph.
    features = digits.get_layer("softmax").input
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="softmax_symbols")(features)
    return keras.Model(digits.input, outputs, name=name)


def average_members(members: Sequence[keras.Model]) -> keras.Model:
    """One model whose output is the mean of the members' probabilities (a lone member is itself)."""
    if len(members) == 1:
        return members[0]
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    outputs = layers.Average(name="mean_probabilities")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name="aircalc_ensemble")
