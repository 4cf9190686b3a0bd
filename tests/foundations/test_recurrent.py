"""Simple RNN, LSTM and GRU (39-45) against Keras with our per-gate weights packed into Keras' kernels."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from redes.foundations.activations import sigmoid
from redes.foundations.checks import relative_error
from redes.foundations.params import RecurrentParams
from redes.foundations.recurrent import GRUWeights, LSTMWeights, gru_forward, lstm_forward, simple_rnn_forward
from redes.foundations.recurrent_checks import (
    KERAS_FLOAT32_TOLERANCE,
    gru_keras_weights,
    lstm_keras_weights,
    random_gate_weights,
    random_gru_weights,
    recurrent_checks,
)

EXPECTED_EQUATIONS = {
    "recurrent_simple_rnn": "(39-40)",
    "recurrent_lstm": "(41-44)",
    "recurrent_gru_reset_after": "(45)",
    "recurrent_gru_reset_before": "(45)",
}


def keras_outputs(
    layer_class: type[keras.layers.Layer], weights: list[np.ndarray], x: np.ndarray, units: int, **options: bool
) -> list[np.ndarray]:
    layer = layer_class(units, return_sequences=True, return_state=True, dtype="float32", **options)
    layer.build(x.shape)
    layer.set_weights([np.asarray(weight, dtype=np.float32) for weight in weights])
    return [keras.ops.convert_to_numpy(output) for output in layer(np.asarray(x, dtype=np.float32))]


def worst_error(ours: tuple[np.ndarray, ...], reference: list[np.ndarray]) -> float:
    return max(relative_error(a, b) for a, b in zip(ours, reference, strict=True))


def swap_column_blocks(array: np.ndarray, units: int, first: int, second: int) -> np.ndarray:
    """`array` with gate blocks `first` and `second` of its last axis exchanged."""
    blocks = np.split(array, array.shape[-1] // units, axis=-1)
    blocks[first], blocks[second] = blocks[second], blocks[first]
    return np.concatenate(blocks, axis=-1)


@pytest.mark.parametrize(("batch_size", "timesteps", "features", "units"), [(4, 6, 3, 5), (2, 1, 2, 3), (3, 12, 4, 4)])
def test_every_recurrent_check_passes(batch_size: int, timesteps: int, features: int, units: int) -> None:
    params = RecurrentParams(batch_size=batch_size, timesteps=timesteps, features=features, units=units)
    checks = recurrent_checks(params, seed=0)
    assert {check.name: check.equation for check in checks} == EXPECTED_EQUATIONS
    assert len(checks) == len(EXPECTED_EQUATIONS)
    for check in checks:
        assert check.tolerance == KERAS_FLOAT32_TOLERANCE == 1e-5
        assert check.max_rel_error <= 1e-5, check
        assert check.passed


def test_one_timestep_from_a_zero_state_has_the_closed_form() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 1, 2))
    x_1 = x[:, 0]
    zero = np.zeros((3, 4))

    weights = random_gate_weights(rng, 2, 4)
    sequence, final = simple_rnn_forward(x, weights)
    np.testing.assert_allclose(sequence[:, 0], np.tanh(x_1 @ weights.input_weights.T + weights.bias), rtol=1e-12)
    np.testing.assert_array_equal(final, sequence[:, 0])

    lstm = LSTMWeights(*(random_gate_weights(rng, 2, 4) for _ in range(4)))
    sequence, h, c = lstm_forward(x, lstm)
    # c_0 = 0, so the forget gate plays no part: c_1 = i ⊙ c̃, h_1 = o ⊙ tanh(c_1).
    expected_c = sigmoid(lstm.input_gate.pre_activation(x_1, zero)) * np.tanh(lstm.candidate.pre_activation(x_1, zero))
    np.testing.assert_allclose(c, expected_c, rtol=1e-12)
    np.testing.assert_allclose(h, sigmoid(lstm.output_gate.pre_activation(x_1, zero)) * np.tanh(expected_c), rtol=1e-12)
    np.testing.assert_array_equal(sequence[:, 0], h)

    for reset_after in (True, False):
        gru = random_gru_weights(rng, 2, 4, reset_after)
        sequence, h = gru_forward(x, gru, reset_after)
        # h_0 = 0 leaves only the input part in the candidate, whichever side of W_h the reset acts on...
        candidate = x_1 @ gru.candidate.input_weights.T + gru.candidate.bias
        if reset_after:
            # ...except the recurrent bias b_h, which r still scales.
            candidate += sigmoid(gru.reset_gate.pre_activation(x_1, zero)) * gru.candidate_recurrent_bias
        expected = (1.0 - sigmoid(gru.update_gate.pre_activation(x_1, zero))) * np.tanh(candidate)
        np.testing.assert_allclose(h, expected, rtol=1e-12)
        np.testing.assert_array_equal(sequence[:, 0], h)


@pytest.mark.parametrize(("first", "second"), [(2, 3), (0, 1), (1, 3)])
def test_a_shuffled_lstm_gate_order_is_detected(first: int, second: int) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32).astype(np.float64)
    weights = LSTMWeights(*(random_gate_weights(rng, 2, 4) for _ in range(4)))
    packed = lstm_keras_weights(weights)
    ours = lstm_forward(x, weights)
    assert worst_error(ours, keras_outputs(keras.layers.LSTM, packed, x, 4)) <= KERAS_FLOAT32_TOLERANCE
    shuffled = [swap_column_blocks(array, 4, first, second) for array in packed]
    assert worst_error(ours, keras_outputs(keras.layers.LSTM, shuffled, x, 4)) > 100 * KERAS_FLOAT32_TOLERANCE


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize(("first", "second"), [(0, 1), (1, 2)])
def test_a_shuffled_gru_gate_order_is_detected(reset_after: bool, first: int, second: int) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32).astype(np.float64)
    weights = random_gru_weights(rng, 2, 4, reset_after)
    packed = gru_keras_weights(weights, reset_after)
    ours = gru_forward(x, weights, reset_after)
    reference = keras_outputs(keras.layers.GRU, packed, x, 4, reset_after=reset_after)
    assert worst_error(ours, reference) <= KERAS_FLOAT32_TOLERANCE
    shuffled = [swap_column_blocks(array, 4, first, second) for array in packed]
    reference = keras_outputs(keras.layers.GRU, shuffled, x, 4, reset_after=reset_after)
    assert worst_error(ours, reference) > 100 * KERAS_FLOAT32_TOLERANCE


def test_the_two_reset_conventions_differ() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2))
    before = random_gru_weights(rng, 2, 4, reset_after=False)
    after = GRUWeights(before.update_gate, before.reset_gate, before.candidate, np.zeros(4))
    # With b_h = 0 the only difference is r ⊙ (W_h h) against W_h (r ⊙ h), which is not small.
    assert relative_error(gru_forward(x, after, True)[0], gru_forward(x, before, False)[0]) > 1e-3


def test_bad_arguments_raise_clear_errors() -> None:
    rng = np.random.default_rng(5)
    weights = random_gate_weights(rng, 2, 4)
    with pytest.raises(ValueError, match="batch, time, features"):
        simple_rnn_forward(np.zeros((5, 2)), weights)
    with pytest.raises(ValueError, match="no timesteps"):
        simple_rnn_forward(np.zeros((1, 0, 2)), weights)
    with pytest.raises(ValueError, match="input_weights"):
        simple_rnn_forward(np.zeros((1, 3, 5)), weights)
    mismatched = LSTMWeights(weights, weights, weights, random_gate_weights(rng, 2, 3))
    with pytest.raises(ValueError, match="of shape"):
        lstm_forward(np.zeros((1, 3, 2)), mismatched)
    with pytest.raises(ValueError, match="reset_after=True needs"):
        gru_forward(np.zeros((1, 3, 2)), random_gru_weights(rng, 2, 4, reset_after=False), reset_after=True)
    with pytest.raises(ValueError, match="reset_after=False has no"):
        gru_keras_weights(random_gru_weights(rng, 2, 4, reset_after=True), reset_after=False)
