"""The recurrent cells of `recurrent.py` against keras.layers.SimpleRNN, LSTM and GRU.

Keras keeps one packed kernel for all gates and multiplies rows, x_t K; the `*_keras_weights`
functions spell out the mapping from our per-gate weights (transpose each W, stack the gates
along the columns in Keras' order), and a wrong order or a missing transpose fails the checks.
Keras runs in float32, with return_sequences=True so every h_t is compared, and
return_state=True for the final states; our side runs in float64 on the same
float32-representable inputs and weights.
"""

from __future__ import annotations

import keras
import numpy as np

from redes.foundations.checks import Check, compare, float32_exact
from redes.foundations.params import RecurrentParams
from redes.foundations.recurrent import (
    GateWeights,
    GRUWeights,
    LSTMWeights,
    check_gru_bias,
    gru_forward,
    lstm_forward,
    simple_rnn_forward,
)

Array = np.ndarray

# Keras computes in float32 (unit roundoff 6e-8); the rounding of each step is damped by the
# saturating gates rather than amplified, so a few timesteps stay far below this.
KERAS_FLOAT32_TOLERANCE = 1e-5


def simple_rnn_keras_weights(weights: GateWeights) -> list[Array]:
    """[kernel (features, units), recurrent_kernel (units, units), bias (units,)] of keras.layers.SimpleRNN."""
    return [weights.input_weights.T, weights.recurrent_weights.T, weights.bias]


def lstm_keras_weights(weights: LSTMWeights) -> list[Array]:
    """The packed weights of keras.layers.LSTM: gate blocks along the columns in the order [i, f, c, o].

    kernel (features, 4 units), recurrent_kernel (units, 4 units), bias (4 units,).
    """
    return _packed([weights.input_gate, weights.forget_gate, weights.candidate, weights.output_gate])


def gru_keras_weights(weights: GRUWeights, reset_after: bool) -> list[Array]:
    """The packed weights of keras.layers.GRU: gate blocks along the columns in the order [z, r, h].

    kernel (features, 3 units), recurrent_kernel (units, 3 units); bias (3 units,) for
    reset_after=False, else (2, 3 units) with the input biases in row 0 and the recurrent ones in
    row 1. Keras adds the two rows for z and r, so their recurrent row is zero; the candidate's
    recurrent row is b_h, the bias inside r ⊙ (W_h h_{t-1} + b_h).
    """
    check_gru_bias(weights, reset_after)
    kernel, recurrent_kernel, bias = _packed([weights.update_gate, weights.reset_gate, weights.candidate])
    if reset_after:
        units = weights.candidate.units
        recurrent_bias = np.concatenate([np.zeros(2 * units), weights.candidate_recurrent_bias])
        bias = np.stack([bias, recurrent_bias])
    return [kernel, recurrent_kernel, bias]


def recurrent_checks(params: RecurrentParams, seed: int) -> list[Check]:
    """Simple RNN, LSTM and GRU (both reset conventions) against Keras with the packed copies of our weights."""
    features, units = params.features, params.units
    rng = np.random.default_rng(seed)
    x = float32_exact(rng.normal(size=(params.batch_size, params.timesteps, features)))

    simple_weights = random_gate_weights(rng, features, units)
    ours = simple_rnn_forward(x, simple_weights)
    reference = _keras_float32(keras.layers.SimpleRNN, simple_rnn_keras_weights(simple_weights), x, units)
    checks = [
        compare(
            "recurrent_simple_rnn",
            "(39-40)",
            "simple RNN h_t = tanh(W_x x_t + W_h h_{t-1} + b): every h_t and the final state",
            "keras.layers.SimpleRNN",
            list(zip(ours, reference, strict=True)),
            KERAS_FLOAT32_TOLERANCE,
        )
    ]

    lstm_weights = LSTMWeights(*(random_gate_weights(rng, features, units) for _ in range(4)))
    ours = lstm_forward(x, lstm_weights)
    reference = _keras_float32(keras.layers.LSTM, lstm_keras_weights(lstm_weights), x, units)
    checks.append(
        compare(
            "recurrent_lstm",
            "(41-44)",
            "LSTM, gates [i, f, c, o] packed for Keras: every h_t and the final h_T, c_T",
            "keras.layers.LSTM",
            list(zip(ours, reference, strict=True)),
            KERAS_FLOAT32_TOLERANCE,
        )
    )

    for reset_after, suffix, convention in [(True, "after", "Keras' default"), (False, "before", "Cho et al.")]:
        gru_weights = random_gru_weights(rng, features, units, reset_after)
        ours = gru_forward(x, gru_weights, reset_after)
        reference = _keras_float32(
            keras.layers.GRU, gru_keras_weights(gru_weights, reset_after), x, units, reset_after=reset_after
        )
        checks.append(
            compare(
                f"recurrent_gru_reset_{suffix}",
                "(45)",
                f"GRU with reset_after={reset_after} ({convention}), gates [z, r, h]: every h_t and the final state",
                f"keras.layers.GRU(reset_after={reset_after})",
                list(zip(ours, reference, strict=True)),
                KERAS_FLOAT32_TOLERANCE,
            )
        )
    return checks


def random_gate_weights(rng: np.random.Generator, features: int, units: int) -> GateWeights:
    """Gaussian weights with variance 1 / (features + units), biases N(0, 0.1²), all float32-representable.

    The scale keeps the pre-activations of order one, so the gates are neither saturated nor linear.
    """
    scale = 1.0 / np.sqrt(features + units)
    return GateWeights(
        float32_exact(scale * rng.normal(size=(units, features))),
        float32_exact(scale * rng.normal(size=(units, units))),
        float32_exact(0.1 * rng.normal(size=units)),
    )


def random_gru_weights(rng: np.random.Generator, features: int, units: int, reset_after: bool) -> GRUWeights:
    """`random_gate_weights` for the three GRU maps, plus the candidate's recurrent bias if reset_after."""
    gates = [random_gate_weights(rng, features, units) for _ in range(3)]
    recurrent_bias = float32_exact(0.1 * rng.normal(size=units)) if reset_after else None
    return GRUWeights(*gates, candidate_recurrent_bias=recurrent_bias)


def _packed(gates: list[GateWeights]) -> list[Array]:
    """Keras' [kernel, recurrent_kernel, bias]: each gate's W transposed, gates side by side in the columns."""
    kernel = np.concatenate([gate.input_weights.T for gate in gates], axis=1)
    recurrent_kernel = np.concatenate([gate.recurrent_weights.T for gate in gates], axis=1)
    bias = np.concatenate([gate.bias for gate in gates])
    return [kernel, recurrent_kernel, bias]


def _keras_float32(
    layer_class: type[keras.layers.Layer], weights: list[Array], x: Array, units: int, **options: bool
) -> list[Array]:
    """[h_1..h_T, final state(s)] of a Keras recurrent layer in float32 given our packed weights."""
    layer = layer_class(units, return_sequences=True, return_state=True, dtype="float32", **options)
    layer.build(x.shape)
    layer.set_weights([np.asarray(weight, dtype=np.float32) for weight in weights])
    return [keras.ops.convert_to_numpy(output) for output in layer(np.asarray(x, dtype=np.float32))]
