"""Recurrent cells of the notes (39-45) run over a sequence in NumPy: simple RNN, LSTM and GRU.

The weights are kept per gate as the notes write them, W_x (units, features) acting on x_t,
W_h (units, units) acting on h_{t-1} and a bias b, so a gate's pre-activation is
W_x x_t + W_h h_{t-1} + b. Sequences are (batch, time, features), the initial state is zero,
as in Keras. `recurrent_checks.py` packs these weights the way Keras' layers keep them and
compares every h_t with theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from redes.foundations.activations import sigmoid, tanh

Array = np.ndarray


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
    check_gru_bias(weights, reset_after)
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


def check_gru_bias(weights: GRUWeights, reset_after: bool) -> None:
    """ValueError unless `weights` has the candidate's recurrent bias exactly when `reset_after`."""
    units = weights.candidate.units
    if reset_after and (weights.candidate_recurrent_bias is None or weights.candidate_recurrent_bias.shape != (units,)):
        raise ValueError(f"reset_after=True needs a candidate_recurrent_bias of shape ({units},)")
    if not reset_after and weights.candidate_recurrent_bias is not None:
        raise ValueError("reset_after=False has no candidate_recurrent_bias: the reset gate acts before W_h")
