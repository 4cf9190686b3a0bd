"""Eq. (35) built with Keras Sequential, Functional and subclassing, against the NumPy forward."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from redes.foundations.activations import ACTIVATIONS
from redes.foundations.backprop import Activation, Dense, network_forward
from redes.foundations.checks import relative_error
from redes.foundations.keras_apis import (
    KERAS_ACTIVATIONS,
    TwoLayerNetwork,
    build_functional,
    build_sequential,
    keras_activation,
)
from redes.foundations.keras_apis_checks import KERAS_TOLERANCE, keras_three_ways_checks
from redes.foundations.params import KerasApisParams


def test_stated_tolerance() -> None:
    assert KERAS_TOLERANCE == 1e-6


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_three_apis_agree_with_numpy(activation: str) -> None:
    params = KerasApisParams(batch_size=6, input_size=5, hidden_size=7, outputs=3, activation=activation)
    checks = keras_three_ways_checks(params, seed=1)
    assert [check.name for check in checks] == ["keras_sequential", "keras_functional", "keras_subclassing"]
    for check in checks:
        assert check.equation == "(35)"
        assert check.tolerance == KERAS_TOLERANCE
        assert check.passed, f"{check.name}: {check.max_rel_error:.2e} > {check.tolerance:.0e}"


def test_keras_activations_cover_the_notes() -> None:
    assert KERAS_ACTIVATIONS.keys() == ACTIVATIONS.keys()
    z = np.linspace(-4.0, 4.0, 81, dtype=np.float32) + np.float32(0.05)
    for name, (function, _) in ACTIVATIONS.items():
        ours = function(z.astype(np.float64))
        assert relative_error(keras.ops.convert_to_numpy(keras_activation(name)(z)), ours) < KERAS_TOLERANCE, name


def test_keras_default_leaky_relu_slope_would_fail_the_check() -> None:
    """Keras' "leaky_relu" string means slope 0.2, not the notes' 0.01: the comparison catches it."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=shape).astype(np.float32) for shape in [(4, 6), (6,), (6, 2), (2,)]]
    inputs = rng.normal(size=(8, 4)).astype(np.float32)
    model = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(6, activation="leaky_relu"), keras.layers.Dense(2)]
    )
    model.set_weights(weights)
    numpy_logits = network_forward([Dense(*weights[:2]), Activation("leaky_relu"), Dense(*weights[2:])], inputs)
    assert relative_error(numpy_logits, keras.ops.convert_to_numpy(model(inputs))) > KERAS_TOLERANCE


def test_models_have_the_two_layers_of_eq_35() -> None:
    sequential = build_sequential(5, 7, 3, "tanh")
    functional = build_functional(5, 7, 3, "tanh")
    subclassed = TwoLayerNetwork(7, 3, "tanh")
    subclassed(np.zeros((1, 5), dtype=np.float32))
    for model in (sequential, functional, subclassed):
        kernels = [model.get_layer(name).kernel.shape for name in ("hidden", "logits")]
        assert kernels == [(5, 7), (7, 3)]
        assert all(weight.dtype == np.float32 for weight in model.get_weights())


def test_unknown_activation_raises_value_error() -> None:
    with pytest.raises(ValueError, match="'swish'"):
        KerasApisParams(batch_size=2, input_size=2, hidden_size=2, outputs=1, activation="swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        keras_activation("swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        TwoLayerNetwork(2, 1, "swish")


def test_non_positive_size_raises_value_error() -> None:
    with pytest.raises(ValueError, match="hidden_size"):
        KerasApisParams(batch_size=2, input_size=2, hidden_size=0, outputs=1, activation="relu")
