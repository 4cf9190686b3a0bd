"""The PINN's network and its physics: u(t, x), the Burgers residual and the loss terms.

This is the one module of the project that uses TensorFlow directly: the residual
needs derivatives of the network's output with respect to its inputs, which Keras
has no portable API for. u_t and u_x come from one tape, u_xx from a tape around it
(nested `tf.GradientTape`s), exactly as in Raissi et al.'s code.

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


class Objective:
    """The loss terms of a PINN as functions of its trainable variables, compiled once.

    Two views of the same loss: `adam_step` updates the variables in place with Keras'
    Adam; `value_and_gradient` takes and returns flat float64 vectors, which is what
    scipy's quasi-Newton methods work with. Both compile with XLA when `jit_compile`
    (about 1.5x faster per evaluation on this CPU: the residual's many small ops fuse).
    """

    def __init__(
        self,
        variables: Sequence[tf.Variable],
        terms: Callable[[], dict[str, tf.Tensor]],
        *,
        learning_rate: float,
        jit_compile: bool,
    ) -> None:
        self.variables = list(variables)
        self.dtype = self.variables[0].dtype
        self._shapes = [tuple(variable.shape) for variable in self.variables]
        self._sizes = [int(np.prod(shape)) for shape in self._shapes]
        self.size = sum(self._sizes)
        self.optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
        self.optimizer.build(self.variables)

        def total_and_gradient() -> tuple[dict[str, tf.Tensor], list[tf.Tensor]]:
            with tf.GradientTape() as tape:
                values = terms()
                total = tf.add_n(list(values.values()))
            return values, tape.gradient(total, self.variables)

        def adam_step() -> dict[str, tf.Tensor]:
            values, gradients = total_and_gradient()
            self.optimizer.apply_gradients(zip(gradients, self.variables, strict=True))
            return values

        def value_and_gradient(flat: tf.Tensor) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
            self._assign(flat)
            values, gradients = total_and_gradient()
            return values, tf.concat([tf.reshape(gradient, [-1]) for gradient in gradients], axis=0)

        self._adam_step = tf.function(adam_step, jit_compile=jit_compile)
        self._value_and_gradient = tf.function(value_and_gradient, jit_compile=jit_compile)
        self._terms = tf.function(terms, jit_compile=jit_compile)

    def _assign(self, flat: tf.Tensor) -> None:
        for variable, shape, part in zip(
            self.variables, self._shapes, tf.split(tf.cast(flat, self.dtype), self._sizes), strict=True
        ):
            variable.assign(tf.reshape(part, shape))

    def get_flat(self) -> np.ndarray:
        return np.concatenate([variable.numpy().ravel() for variable in self.variables]).astype(np.float64)

    def set_flat(self, flat: np.ndarray) -> None:
        self._assign(tf.constant(flat))

    def terms(self) -> dict[str, float]:
        """Every loss term at the current variables."""
        return {name: float(value) for name, value in self._terms().items()}

    def adam_step(self) -> dict[str, float]:
        """One Adam step; returns the terms before it."""
        return {name: float(value) for name, value in self._adam_step().items()}

    def value_and_gradient(self, flat: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
        """Loss terms and the gradient of their sum at `flat`, which becomes the variables' value."""
        values, gradient = self._value_and_gradient(tf.constant(flat, dtype=tf.float64))
        return {name: float(value) for name, value in values.items()}, gradient.numpy().astype(np.float64)

    def optimizer_state(self) -> list[np.ndarray]:
        """Adam's moments and step count, to checkpoint."""
        return [variable.numpy() for variable in self.optimizer.variables]

    def restore_optimizer_state(self, state: Sequence[np.ndarray]) -> None:
        for variable, value in zip(self.optimizer.variables, state, strict=True):
            variable.assign(value)
