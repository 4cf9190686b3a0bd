"""The two-layer network of eq. (35) written with each of Keras' three APIs, checked against NumPy.

a = g(W[1] x + b[1]) with a hidden activation g, and linear logits o = W[2] a + b[2]. The same
network is built as a `keras.Sequential`, with the Functional API and as a `keras.Model`
subclass with `call`; all three get the same weights from NumPy and must give the NumPy forward
of `backprop.py` (its Dense and Activation modules). Keras' Dense kernel is the notes' Wᵀ, as
`backprop.Dense.weights` is, so the weights are set without transposing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import keras
import numpy as np

from redes.foundations.activations import ACTIVATIONS, LEAKY_RELU_SLOPE
from redes.foundations.backprop import Activation, Dense, network_forward
from redes.foundations.checks import Check, compare

Array = np.ndarray

# Keras computes in float32 (ε ≈ 6e-8) on the float32 weights that NumPy takes in float64:
# round-off of sums over a few tens of terms, relative to the largest logit.
KERAS_TOLERANCE = 1e-6

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


def _keras_logits(model: keras.Model, weights: list[Array], inputs: Array) -> Array:
    """The model's output on `inputs` once its layers hold `weights` = [W1, b1, W2, b2]."""
    model(inputs)  # builds the subclassed model's layers; the others are built already
    model.get_layer("hidden").set_weights(weights[:2])
    model.get_layer("logits").set_weights(weights[2:])
    return keras.ops.convert_to_numpy(model(inputs))


def keras_three_ways_checks(
    seed: int, batch_size: int, input_size: int, hidden_size: int, outputs: int, activation: str
) -> list[Check]:
    """Sequential, Functional and subclassed Keras models of eq. (35) against the NumPy forward."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
    for name, size in {
        "batch_size": batch_size,
        "input_size": input_size,
        "hidden_size": hidden_size,
        "outputs": outputs,
    }.items():
        if size < 1:
            raise ValueError(f"{name} must be at least 1, got {size}")
    rng = np.random.default_rng(seed)
    # Drawn in float64 and rounded to float32 once, so Keras and NumPy use the very same numbers.
    weights = [
        rng.normal(scale=1.0 / math.sqrt(input_size), size=(input_size, hidden_size)).astype(np.float32),
        rng.normal(scale=0.1, size=hidden_size).astype(np.float32),
        rng.normal(scale=1.0 / math.sqrt(hidden_size), size=(hidden_size, outputs)).astype(np.float32),
        rng.normal(scale=0.1, size=outputs).astype(np.float32),
    ]
    inputs = rng.normal(size=(batch_size, input_size)).astype(np.float32)
    numpy_logits = network_forward([Dense(*weights[:2]), Activation(activation), Dense(*weights[2:])], inputs)

    models = {
        "keras_sequential": (build_sequential(input_size, hidden_size, outputs, activation), "keras.Sequential"),
        "keras_functional": (build_functional(input_size, hidden_size, outputs, activation), "Functional keras.Model"),
        "keras_subclassing": (
            TwoLayerNetwork(hidden_size, outputs, activation, name="subclassed_two_layer"),
            "keras.Model subclass with call",
        ),
    }
    return [
        compare(
            name,
            "(35)",
            f"NumPy float64 forward g(x W1 + b1) W2 + b2, g = {activation}, vs {api} on the same float32 weights",
            f"{api}, float32",
            [(numpy_logits, _keras_logits(model, weights, inputs))],
            KERAS_TOLERANCE,
        )
        for name, (model, api) in models.items()
    ]
