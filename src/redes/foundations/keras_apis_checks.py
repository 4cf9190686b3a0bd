"""The three Keras builds of eq. (35) in `keras_apis.py` against the NumPy forward of `backprop.py`.

All three models get the same float32 weights, and the NumPy side runs `backprop.py`'s Dense and
Activation modules on them in float64. Keras' Dense kernel is the notes' Wᵀ, as
`backprop.Dense.weights` is, so the weights are set without transposing.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from redes.foundations.backprop import Activation, Dense, network_forward
from redes.foundations.checks import Check, compare
from redes.foundations.keras_apis import TwoLayerNetwork, build_functional, build_sequential
from redes.foundations.params import KerasApisParams

Array = np.ndarray

# Keras computes in float32 (ε ≈ 6e-8) on the float32 weights that NumPy takes in float64:
# round-off of sums over a few tens of terms, relative to the largest logit.
KERAS_TOLERANCE = 1e-6


def _keras_logits(model: keras.Model, weights: list[Array], inputs: Array) -> Array:
    """The model's output on `inputs` once its layers hold `weights` = [W1, b1, W2, b2]."""
    model(inputs)  # builds the subclassed model's layers; the others are built already
    model.get_layer("hidden").set_weights(weights[:2])
    model.get_layer("logits").set_weights(weights[2:])
    return keras.ops.convert_to_numpy(model(inputs))


def keras_three_ways_checks(params: KerasApisParams, seed: int) -> list[Check]:
    """Sequential, Functional and subclassed Keras models of eq. (35) against the NumPy forward."""
    input_size, hidden_size, outputs, activation = (
        params.input_size,
        params.hidden_size,
        params.outputs,
        params.activation,
    )
    rng = np.random.default_rng(seed)
    # Drawn in float64 and rounded to float32 once, so Keras and NumPy use the very same numbers.
    weights = [
        rng.normal(scale=1.0 / math.sqrt(input_size), size=(input_size, hidden_size)).astype(np.float32),
        rng.normal(scale=0.1, size=hidden_size).astype(np.float32),
        rng.normal(scale=1.0 / math.sqrt(hidden_size), size=(hidden_size, outputs)).astype(np.float32),
        rng.normal(scale=0.1, size=outputs).astype(np.float32),
    ]
    inputs = rng.normal(size=(params.batch_size, input_size)).astype(np.float32)
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
