"""The two-layer network of eq. (35) written with each of Keras' three APIs.

a = g(W[1] x + b[1]) with a hidden activation g, and linear logits o = W[2] a + b[2]. The same
network is built as a `keras.Sequential`, with the Functional API and as a `keras.Model`
subclass with `call`. Being about Keras itself, this module is Keras, unlike the NumPy
implementations beside it; `keras_apis_checks.py` gives all three the same weights and compares
them with the NumPy forward of `backprop.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import keras

from redes.foundations.activations import LEAKY_RELU_SLOPE

# Keras' activation for each of `ACTIVATIONS`, with the notes' conventions made explicit.
KERAS_ACTIVATIONS: dict[str, Callable] = {
    "sigmoid": keras.activations.sigmoid,
    "relu": keras.activations.relu,
    "tanh": keras.activations.tanh,
    # Keras' default slope is 0.2; the notes' (and activations.py's) is 0.01.
    "leaky_relu": partial(keras.activations.leaky_relu, negative_slope=LEAKY_RELU_SLOPE),
    # The exact erf form, as activations.gelu, not the tanh approximation.
    "gelu": partial(keras.activations.gelu, approximate=False),
}


def keras_activation(name: str) -> Callable:
    """The Keras activation matching `activations.ACTIVATIONS[name]`."""
    if name not in KERAS_ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(KERAS_ACTIVATIONS)}")
    return KERAS_ACTIVATIONS[name]


def build_sequential(input_size: int, hidden_size: int, outputs: int, activation: str) -> keras.Sequential:
    """Eq. (35) as a `keras.Sequential` stack of two Dense layers, float32."""
    return keras.Sequential(
        [
            keras.Input(shape=(input_size,), dtype="float32"),
            keras.layers.Dense(hidden_size, activation=keras_activation(activation), dtype="float32", name="hidden"),
            keras.layers.Dense(outputs, dtype="float32", name="logits"),
        ],
        name="sequential_two_layer",
    )


def build_functional(input_size: int, hidden_size: int, outputs: int, activation: str) -> keras.Model:
    """Eq. (35) with the Functional API: layers called on symbolic tensors, float32."""
    inputs = keras.Input(shape=(input_size,), dtype="float32")
    hidden = keras.layers.Dense(hidden_size, activation=keras_activation(activation), dtype="float32", name="hidden")(
        inputs
    )
    logits = keras.layers.Dense(outputs, dtype="float32", name="logits")(hidden)
    return keras.Model(inputs, logits, name="functional_two_layer")


class TwoLayerNetwork(keras.Model):
    """Eq. (35) as a `keras.Model` subclass: layers made in `__init__`, the forward pass in `call`."""

    def __init__(self, hidden_size: int, outputs: int, activation: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(
            hidden_size, activation=keras_activation(activation), dtype="float32", name="hidden"
        )
        self.logits = keras.layers.Dense(outputs, dtype="float32", name="logits")

    def call(self, inputs: keras.KerasTensor) -> keras.KerasTensor:
        return self.logits(self.hidden(inputs))
