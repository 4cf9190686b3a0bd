"""The PINN's network and its physics: u(t, x), the Burgers residual and the loss terms.

The residual needs derivatives of the network's output with respect to its inputs,
which Keras has no portable API for, so it is written in TensorFlow: u_t and u_x come
from one tape, u_xx from a tape around it (nested `tf.GradientTape`s), exactly as in
Raissi et al.'s code. `redes.pinn.objective` turns the loss terms into what the
optimisers of `redes.pinn.optimize` minimise.

    f = u_t + λ₁ u u_x − λ₂ u_xx        (forward problem: λ₁ = 1, λ₂ = ν)

Points are (n, 2) arrays of columns (t, x) throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from redes.pinn.sampling import TrainingPoints


def build_network(
    layers: int, width: int, activation: str, dtype: str, lower: Sequence[float], upper: Sequence[float], seed: int
) -> keras.Model:
    """u(t, x): inputs scaled to [−1, 1]², `layers − 1` hidden Dense layers of `width`, a linear output.

    `layers` counts weight layers as Raissi et al. do: their "9-layer network" has 8
    hidden tanh layers of 20 units and 3,021 weights. Glorot-normal initialisation.
    """
    lower_array, upper_array = np.asarray(lower, dtype=dtype), np.asarray(upper, dtype=dtype)
    inputs = keras.Input(shape=(2,), dtype=dtype, name="t_x")
    # (z − mean) / √variance maps [lower, upper] onto [−1, 1]; a layer so the saved model carries it
    hidden = keras.layers.Normalization(
        mean=(lower_array + upper_array) / 2, variance=((upper_array - lower_array) / 2) ** 2, dtype=dtype, name="scale"
    )(inputs)
    for index in range(layers - 1):
        hidden = keras.layers.Dense(
            width,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotNormal(seed=seed + index),
            dtype=dtype,
            name=f"hidden_{index + 1}",
        )(hidden)
    outputs = keras.layers.Dense(
        1, kernel_initializer=keras.initializers.GlorotNormal(seed=seed + layers), dtype=dtype, name="u"
    )(hidden)
    return keras.Model(inputs, outputs, name="burgers_pinn")


def residual(network: keras.Model, points: tf.Tensor, lambda1: tf.Tensor, lambda2: tf.Tensor) -> tf.Tensor:
    """f = u_t + λ₁ u u_x − λ₂ u_xx at `points`, derivatives by nested gradient tapes. Shape (n, 1)."""
    t, x = points[:, :1], points[:, 1:]
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([t, x])
            u = network(tf.concat([t, x], axis=1))
        u_t = inner.gradient(u, t)
        u_x = inner.gradient(u, x)
    u_xx = outer.gradient(u_x, x)
    return u_t + lambda1 * u * u_x - lambda2 * u_xx


def predict(network: keras.Model, points: np.ndarray) -> np.ndarray:
    """u at (n, 2) points (t, x), as a float64 vector."""
    return np.asarray(network(tf.constant(points, dtype=network.inputs[0].dtype))).astype(np.float64).ravel()


class UnknownCoefficients:
    """λ₁ and λ₂ of the inverse problem as trainable variables, started as in Raissi et al.'s code.

    λ₁ starts at 0; λ₂ is trained through its logarithm, from log λ₂ = −6 (λ₂ ≈ 0.0025):
    it stays positive, and its gradient is scaled by λ₂ itself. Trained directly, ∂loss/∂λ₂
    carries u_xx, which reaches ~10⁴ at the shock, and dwarfs every other component of
    the gradient: the quasi-Newton line searches then fail on their first step.
    """

    def __init__(self, dtype: str) -> None:
        self.lambda1 = tf.Variable(0.0, dtype=dtype, name="lambda1")
        self.log_lambda2 = tf.Variable(-6.0, dtype=dtype, name="log_lambda2")
        self.variables = [self.lambda1, self.log_lambda2]

    def __call__(self) -> tuple[tf.Tensor, tf.Tensor]:
        """(λ₁, λ₂) as tensors, for the residual."""
        return tf.convert_to_tensor(self.lambda1), tf.exp(self.log_lambda2)

    def values(self) -> tuple[float, float]:
        return float(self.lambda1.numpy()), float(np.exp(self.log_lambda2.numpy()))


def loss_terms(
    network: keras.Model, points: TrainingPoints, coefficients: Callable[[], tuple[Any, Any]]
) -> Callable[[], dict[str, tf.Tensor]]:
    """A function returning each mean-squared loss term: residual, and initial/boundary/data where given.

    `coefficients` gives (λ₁, λ₂) when the terms are computed: constants for the forward
    problem, an `UnknownCoefficients` for the inverse one. The total the optimisers
    minimise is the plain sum of the terms, as in Raissi et al.
    """
    dtype = network.inputs[0].dtype

    def constant(array: np.ndarray) -> tf.Tensor:
        return tf.constant(array, dtype=dtype)

    collocation = constant(points.collocation)
    fitted = [
        (name, constant(where), constant(values.reshape(-1, 1)))
        for name, where, values in (
            ("initial", points.initial, points.initial_u),
            ("boundary", points.boundary, points.boundary_u),
            ("data", points.data, points.data_u),
        )
        if where is not None and len(where)
    ]

    def terms() -> dict[str, tf.Tensor]:
        lambda1, lambda2 = coefficients()
        values = {"residual": tf.reduce_mean(tf.square(residual(network, collocation, lambda1, lambda2)))}
        for name, where, target in fitted:
            values[name] = tf.reduce_mean(tf.square(network(where) - target))
        return values

    return terms
