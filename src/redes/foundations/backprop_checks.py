"""The backprop of `backprop.py` against central finite differences and `tf.GradientTape`, eqs. (56, 58-77).

Random networks, one per activation, one with LayerNorm and one with the logistic loss, all in
float64: every gradient `backprop_gradients` gives is compared with the difference quotient of
the loss and with TensorFlow's gradient of the same network written in TF ops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise

import keras
import numpy as np
import tensorflow as tf

from redes.foundations.activations import ACTIVATIONS, LEAKY_RELU_SLOPE
from redes.foundations.backprop import (
    Activation,
    Dense,
    Gradients,
    LayerNorm,
    LogisticLoss,
    Loss,
    Module,
    SoftmaxCrossEntropy,
    backprop_gradients,
    network_forward,
)
from redes.foundations.checks import Check, compare
from redes.foundations.params import BackpropParams

Array = np.ndarray

# Central differences with step h in float64: truncation error O(h²) and round-off ~ ε |L| / h,
# against gradients of order 1e-2 to 1. At h = 1e-6 the sigmoid network, whose first-layer and
# input gradients carry two factors σ' <= 1/4, comes closest (up to 7e-8 over seeds 0-29);
# params.yaml takes h = 1e-5, which cuts that tenfold.
FINITE_DIFFERENCE_TOLERANCE = 1e-7
# The same float64 operations in another order: round-off only.
GRADIENT_TAPE_TOLERANCE = 1e-10

# Pre-activations are kept at least this far from ReLU's kink at 0. A finite-difference step
# h of 1e-6 to 1e-5 moves a pre-activation by about h times an input or weight of order 1, far less
# than this, so no central difference straddles the kink.
KINK_MARGIN = 1e-3
# Rounds of redrawing the input rows that come too close to a kink before giving up.
MAX_INPUT_DRAWS = 1000
# Keras' default ε for LayerNormalization.
LAYER_NORM_EPSILON = 1e-3


def _tensorflow_leaky_relu(z: tf.Tensor) -> tf.Tensor:
    # Not tf.nn.leaky_relu(alpha=0.01): it keeps alpha as a float32 attribute, 0.009999999776,
    # which puts its float64 result 2e-8 (relative) away from a slope of 0.01.
    return tf.where(z > 0.0, z, LEAKY_RELU_SLOPE * z)


def _tensorflow_gelu(z: tf.Tensor) -> tf.Tensor:
    # Not tf.nn.gelu(approximate=False): it casts 1/√2 to float64 from a float32 constant, which
    # puts its float64 result ~1e-8 (relative) away from the exact z Φ(z); here √2 is float64.
    return 0.5 * z * (1.0 + tf.math.erf(z / math.sqrt(2.0)))


# The reference of each activation of `ACTIVATIONS`, in TF ops, exact to float64 round-off.
TENSORFLOW_ACTIVATIONS: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "sigmoid": tf.math.sigmoid,
    "relu": tf.nn.relu,
    "tanh": tf.math.tanh,
    "leaky_relu": _tensorflow_leaky_relu,
    "gelu": _tensorflow_gelu,
}


def finite_difference_gradients(
    modules: Sequence[Module], loss: Loss, inputs: Array, labels: Array, step: float
) -> Gradients:
    """Every gradient by central differences (L(θ + h) - L(θ - h)) / 2h, one entry at a time."""
    if not (math.isfinite(step) and step > 0.0):
        raise ValueError(f"the finite-difference step must be positive and finite, got {step}")
    inputs = np.array(inputs, dtype=np.float64)  # a copy, as it is perturbed in place below

    def loss_value() -> float:
        return loss.forward(network_forward(modules, inputs), labels)

    def central_differences(array: Array) -> Array:
        # Perturbs `array` in place and puts each entry back exactly, so the network is unchanged.
        gradient = np.empty_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            above = loss_value()
            array[index] = original - step
            below = loss_value()
            array[index] = original
            gradient[index] = (above - below) / (2.0 * step)
        return gradient

    parameters = {
        f"{index}.{name}": central_differences(array)
        for index, module in enumerate(modules)
        for name, array in module.parameters.items()
    }
    return Gradients(loss_value(), parameters, central_differences(inputs))


def _tensorflow_module(module: Module) -> tuple[Callable[[tf.Tensor], tf.Tensor], dict[str, tf.Variable]]:
    """The module in TF ops on copies of its parameters, and those copies by parameter name."""
    if isinstance(module, Dense):
        weights = tf.Variable(module.parameters["weights"])
        bias = tf.Variable(module.parameters["bias"])
        return (lambda inputs: tf.matmul(inputs, weights) + bias), {"weights": weights, "bias": bias}
    if isinstance(module, Activation):
        return TENSORFLOW_ACTIVATIONS[module.name], {}
    if isinstance(module, LayerNorm):
        layer = keras.layers.LayerNormalization(epsilon=module.epsilon, dtype="float64")
        layer.build((None, module.parameters["gamma"].shape[0]))
        layer.set_weights([module.parameters["gamma"], module.parameters["beta"]])
        return layer, {"gamma": layer.gamma.value, "beta": layer.beta.value}
    raise ValueError(f"no TensorFlow reference for module {type(module).__name__}")


def _tensorflow_loss(loss: Loss, logits: tf.Tensor, labels: Array) -> tf.Tensor:
    if isinstance(loss, SoftmaxCrossEntropy):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    if isinstance(loss, LogisticLoss):
        targets = tf.constant(np.asarray(labels, dtype=np.float64)[:, np.newaxis])
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))
    raise ValueError(f"no TensorFlow reference for loss {type(loss).__name__}")


def tape_gradients(modules: Sequence[Module], loss: Loss, inputs: Array, labels: Array) -> Gradients:
    """Every gradient by `tf.GradientTape` through the same network written in TF ops, in float64."""
    references = [_tensorflow_module(module) for module in modules]
    variables = {
        f"{index}.{name}": variable
        for index, (_, module_variables) in enumerate(references)
        for name, variable in module_variables.items()
    }
    input_tensor = tf.constant(np.asarray(inputs, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(input_tensor)
        outputs = input_tensor
        for apply, _ in references:
            outputs = apply(outputs)
        value = _tensorflow_loss(loss, outputs, labels)
    input_gradient, parameter_gradients = tape.gradient(value, (input_tensor, variables))
    return Gradients(
        float(value),
        {key: gradient.numpy() for key, gradient in parameter_gradients.items()},
        input_gradient.numpy(),
    )


def _random_dense(rng: np.random.Generator, inputs: int, outputs: int) -> Dense:
    # Weights of variance 1/inputs keep pre-activations of order 1: away from saturation, where
    # sigmoid and tanh gradients would vanish and the comparison would say little.
    return Dense(rng.normal(scale=1.0 / math.sqrt(inputs), size=(inputs, outputs)), rng.normal(scale=0.1, size=outputs))


def random_network(
    rng: np.random.Generator,
    batch_size: int,
    input_size: int,
    hidden_sizes: Sequence[int],
    outputs: int,
    activation: str,
    with_layer_norm: bool,
) -> tuple[list[Module], Array]:
    """Dense-[LayerNorm]-activation-...-Dense with random parameters, and a batch of inputs.

    Input rows whose pre-activations come within `KINK_MARGIN` of 0 are redrawn (rows are
    independent, LayerNorm being per example), so finite differences never cross a ReLU kink.
    This is done for every activation, so all networks are drawn the same way.
    """
    for name, size in {"batch_size": batch_size, "input_size": input_size, "outputs": outputs}.items():
        if size < 1:
            raise ValueError(f"{name} must be at least 1, got {size}")
    if not hidden_sizes or min(hidden_sizes) < 1:
        raise ValueError(f"hidden_sizes must be one or more sizes of at least 1, got {list(hidden_sizes)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
    modules: list[Module] = []
    sizes = [input_size, *hidden_sizes]
    for fan_in, fan_out in pairwise(sizes):
        modules.append(_random_dense(rng, fan_in, fan_out))
        if with_layer_norm:
            modules.append(
                LayerNorm(1.0 + 0.1 * rng.normal(size=fan_out), 0.1 * rng.normal(size=fan_out), LAYER_NORM_EPSILON)
            )
        modules.append(Activation(activation))
    modules.append(_random_dense(rng, hidden_sizes[-1], outputs))

    inputs = rng.normal(size=(batch_size, input_size))
    for _ in range(MAX_INPUT_DRAWS):
        network_forward(modules, inputs)
        near_kink = np.zeros(batch_size, dtype=bool)
        for module in modules:
            if isinstance(module, Activation):
                near_kink |= np.any(np.abs(module.inputs) < KINK_MARGIN, axis=1)
        if not near_kink.any():
            return modules, inputs
        inputs[near_kink] = rng.normal(size=(int(near_kink.sum()), input_size))
    raise RuntimeError(f"no inputs clear of the kinks after {MAX_INPUT_DRAWS} draws; use fewer hidden units")


def _architecture(modules: Sequence[Module]) -> str:
    """E.g. "Dense-relu-Dense", for the checks' descriptions."""
    return "-".join(module.name if isinstance(module, Activation) else type(module).__name__ for module in modules)


def _network_checks(
    prefix: str,
    equation: str,
    modules: Sequence[Module],
    loss: Loss,
    inputs: Array,
    labels: Array,
    finite_difference_step: float,
) -> list[Check]:
    """The finite-difference and gradient-tape checks of one network."""
    ours = backprop_gradients(modules, loss, inputs, labels)
    differences = finite_difference_gradients(modules, loss, inputs, labels, finite_difference_step)
    taped = tape_gradients(modules, loss, inputs, labels)
    network = f"{_architecture(modules)} with {type(loss).__name__}, float64"
    tape_reference = "tf.GradientTape through TF ops on the same weights"
    if any(isinstance(module, LayerNorm) for module in modules):
        tape_reference += ", LayerNorm as keras.layers.LayerNormalization"
    return [
        compare(
            f"{prefix}_finite_differences",
            equation,
            f"backprop gradients of every parameter and the input of {network}",
            f"central finite differences, step {finite_difference_step:g}",
            ours.paired_with(differences),
            FINITE_DIFFERENCE_TOLERANCE,
        ),
        compare(
            f"{prefix}_gradient_tape",
            equation,
            f"loss and backprop gradients of every parameter and the input of {network}",
            tape_reference,
            [(np.array(ours.loss), np.array(taped.loss)), *ours.paired_with(taped)],
            GRADIENT_TAPE_TOLERANCE,
        ),
    ]


def gradient_checks(params: BackpropParams, seed: int) -> list[Check]:
    """Backprop against finite differences and `tf.GradientTape`: one network per activation,
    one with LayerNorm (56), one with the logistic loss; every one in float64.
    """
    batch_size, input_size, hidden_sizes = params.batch_size, params.input_size, params.hidden_sizes
    classes, step = params.classes, params.finite_difference_step
    rng = np.random.default_rng(seed)
    checks: list[Check] = []
    for activation in ACTIVATIONS:
        modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, classes, activation, False)
        labels = rng.integers(0, classes, size=batch_size)
        checks += _network_checks(
            f"backprop_{activation}", "(58-77)", modules, SoftmaxCrossEntropy(), inputs, labels, step
        )
    modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, classes, "gelu", True)
    labels = rng.integers(0, classes, size=batch_size)
    checks += _network_checks("backprop_layer_norm", "(56)", modules, SoftmaxCrossEntropy(), inputs, labels, step)
    modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, 1, "tanh", False)
    labels = rng.integers(0, 2, size=batch_size)
    checks += _network_checks("backprop_logistic_loss", "(58-77)", modules, LogisticLoss(), inputs, labels, step)
    return checks
