"""Recurrent cells of the notes (39-45) run over a sequence in NumPy, checked against Keras' layers.

The weights are kept per gate as the notes write them, W_x (units, features) acting on x_t,
W_h (units, units) acting on h_{t-1} and a bias b, so a gate's pre-activation is
W_x x_t + W_h h_{t-1} + b. Keras keeps one packed kernel for all gates and multiplies rows,
x_t K; the `*_keras_weights` functions spell out that mapping (transpose each W, stack the gates
along the columns in Keras' order), and a wrong order or a missing transpose fails the checks.

Sequences are (batch, time, features), the initial state is zero, as in Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from redes.foundations.activations import sigmoid, tanh
from redes.foundations.checks import Check, compare, float32_exact

Array = np.ndarray

# Keras computes in float32 (unit roundoff 6e-8); the rounding of each step is damped by the
# saturating gates rather than amplified, so a few timesteps stay far below this.
KERAS_FLOAT32_TOLERANCE = 1e-5


@dataclass(frozen=True)
class GateWeights:
    """One affine map of a cell, W_x x_t + W_h h_{t-1} + b, as the notes write it.

    input_weights W_x is (units, features), recurrent_weights W_h is (units, units), bias b is (units,).
    """

    input_weights: Array
    recurrent_weights: Array
    bias: Array

    @property
    def units(self) -> int:
        return self.bias.shape[0]

    def pre_activation(self, x_t: Array, h_previous: Array) -> Array:
        """W_x x_t + W_h h_{t-1} + b for a batch of rows x_t, h_{t-1}."""
        return x_t @ self.input_weights.T + h_previous @ self.recurrent_weights.T + self.bias


@dataclass(frozen=True)
class LSTMWeights:
    """The four affine maps of the LSTM, eqs. (41-44)."""

    input_gate: GateWeights  # i_t = σ(...)
    forget_gate: GateWeights  # f_t = σ(...)
    output_gate: GateWeights  # o_t = σ(...)
    candidate: GateWeights  # c̃_t = tanh(...)


@dataclass(frozen=True)
class GRUWeights:
    """The three affine maps of the GRU, eq. (45).

    `update_gate` z is the weight of the previous state, h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃_t (Géron's
    form, and Keras'). If the notes write h_t = (1 - z) ⊙ h_{t-1} + z ⊙ h̃_t instead, their z is
    1 - this z = σ(-(...)): the same gate with W_x, W_h and b negated.

    `candidate_recurrent_bias` is only for reset_after=True (Keras' default), where the reset
    gate multiplies W_h h_{t-1} + b_h after the matmul and b_h is a second bias of the candidate.
    """

    update_gate: GateWeights  # z_t = σ(...)
    reset_gate: GateWeights  # r_t = σ(...)
    candidate: GateWeights  # h̃_t = tanh(...), W_h acting on r ⊙ h_{t-1} or multiplied by r
    candidate_recurrent_bias: Array | None = None


def simple_rnn_forward(x: Array, weights: GateWeights) -> tuple[Array, Array]:
    """h_t = tanh(W_x x_t + W_h h_{t-1} + b), eqs. (39-40); returns (h_1..h_T, h_T)."""
    x = _check_sequence(x, [weights])
    h = np.zeros((x.shape[0], weights.units))
    outputs = []
    for t in range(x.shape[1]):
        h = tanh(weights.pre_activation(x[:, t], h))
        outputs.append(h)
    return np.stack(outputs, axis=1), h


def lstm_forward(x: Array, weights: LSTMWeights) -> tuple[Array, Array, Array]:
    """The LSTM of eqs. (41-44); returns (h_1..h_T, h_T, c_T).

    i, f, o = σ(W_x x_t + W_h h_{t-1} + b) per gate, c̃_t = tanh(...),
    c_t = f ⊙ c_{t-1} + i ⊙ c̃_t, h_t = o ⊙ tanh(c_t).
    """
    gates = [weights.input_gate, weights.forget_gate, weights.output_gate, weights.candidate]
    x = _check_sequence(x, gates)
    h = np.zeros((x.shape[0], weights.input_gate.units))
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        input_gate = sigmoid(weights.input_gate.pre_activation(x_t, h))
        forget_gate = sigmoid(weights.forget_gate.pre_activation(x_t, h))
        output_gate = sigmoid(weights.output_gate.pre_activation(x_t, h))
        candidate = tanh(weights.candidate.pre_activation(x_t, h))
        c = forget_gate * c + input_gate * candidate
        h = output_gate * tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def gru_forward(x: Array, weights: GRUWeights, reset_after: bool) -> tuple[Array, Array]:
    """The GRU of eq. (45); returns (h_1..h_T, h_T).

    z, r = σ(W_x x_t + W_h h_{t-1} + b), h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃_t, with
    reset_after=False (Cho et al. 2014): h̃_t = tanh(W_x x_t + W_h (r ⊙ h_{t-1}) + b);
    reset_after=True (Keras' default):   h̃_t = tanh(W_x x_t + b + r ⊙ (W_h h_{t-1} + b_h)).
    """
    gates = [weights.update_gate, weights.reset_gate, weights.candidate]
    x = _check_sequence(x, gates)
    _check_gru_bias(weights, reset_after)
    candidate = weights.candidate
    h = np.zeros((x.shape[0], candidate.units))
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        update_gate = sigmoid(weights.update_gate.pre_activation(x_t, h))
        reset_gate = sigmoid(weights.reset_gate.pre_activation(x_t, h))
        input_part = x_t @ candidate.input_weights.T + candidate.bias
        if reset_after:
            recurrent_part = reset_gate * (h @ candidate.recurrent_weights.T + weights.candidate_recurrent_bias)
        else:
            recurrent_part = (reset_gate * h) @ candidate.recurrent_weights.T
        h = update_gate * h + (1.0 - update_gate) * tanh(input_part + recurrent_part)
        outputs.append(h)
    return np.stack(outputs, axis=1), h


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
    _check_gru_bias(weights, reset_after)
    kernel, recurrent_kernel, bias = _packed([weights.update_gate, weights.reset_gate, weights.candidate])
    if reset_after:
        units = weights.candidate.units
        recurrent_bias = np.concatenate([np.zeros(2 * units), weights.candidate_recurrent_bias])
        bias = np.stack([bias, recurrent_bias])
    return [kernel, recurrent_kernel, bias]


def recurrent_checks(seed: int, batch_size: int, timesteps: int, features: int, units: int) -> list[Check]:
    """Simple RNN, LSTM and GRU (both reset conventions) against Keras with the packed copies of our weights.

    Keras runs in float32, with return_sequences=True so every h_t is compared, and
    return_state=True for the final states; our side runs in float64 on the same
    float32-representable inputs and weights.
    """
    rng = np.random.default_rng(seed)
    x = float32_exact(rng.normal(size=(batch_size, timesteps, features)))

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


def _check_sequence(x: Array, gates: list[GateWeights]) -> Array:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"expected a sequence of shape (batch, time, features), got shape {x.shape}")
    if x.shape[1] == 0:
        raise ValueError("the sequence has no timesteps")
    units = gates[0].units
    for gate in gates:
        expected = {"input_weights": (units, x.shape[2]), "recurrent_weights": (units, units), "bias": (units,)}
        for name, shape in expected.items():
            if getattr(gate, name).shape != shape:
                raise ValueError(f"expected {name} of shape {shape}, got shape {getattr(gate, name).shape}")
    return x


def _check_gru_bias(weights: GRUWeights, reset_after: bool) -> None:
    units = weights.candidate.units
    if reset_after and (weights.candidate_recurrent_bias is None or weights.candidate_recurrent_bias.shape != (units,)):
        raise ValueError(f"reset_after=True needs a candidate_recurrent_bias of shape ({units},)")
    if not reset_after and weights.candidate_recurrent_bias is not None:
        raise ValueError("reset_after=False has no candidate_recurrent_bias: the reset gate acts before W_h")


def _keras_float32(
    layer_class: type[keras.layers.Layer], weights: list[Array], x: Array, units: int, **options: bool
) -> list[Array]:
    """[h_1..h_T, final state(s)] of a Keras recurrent layer in float32 given our packed weights."""
    layer = layer_class(units, return_sequences=True, return_state=True, dtype="float32", **options)
    layer.build(x.shape)
    layer.set_weights([np.asarray(weight, dtype=np.float32) for weight in weights])
    return [keras.ops.convert_to_numpy(output) for output in layer(np.asarray(x, dtype=np.float32))]
