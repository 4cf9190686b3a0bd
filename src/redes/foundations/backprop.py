"""Modular backpropagation, eqs. (58-77), with the LayerNorm backward of eq. (56), checked two ways.

A network is a list of modules. Each module's `forward` keeps what its `backward` needs, and
`backward` is the notes' B[g, z](v) = (∂g/∂z)ᵀ v: it takes the gradient of the loss with respect
to the module's output and returns the gradient with respect to its input, storing the gradients
of its parameters on the way. Running the backwards in reverse order from the loss's gradient
gives every gradient of the network (`backprop_gradients`).

`gradient_checks` compares those gradients, for every parameter and for the input, with central
finite differences and with `tf.GradientTape` on the same float64 weights written in TF ops.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import keras
import numpy as np
import tensorflow as tf

from redes.foundations.activations import ACTIVATIONS, LEAKY_RELU_SLOPE, log_softmax, sigmoid, softmax
from redes.foundations.checks import Check, compare
from redes.foundations.normalization import layer_norm

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


class Module(ABC):
    """A block of the network with its parameters and, after `backward`, their gradients."""

    def __init__(self, parameters: dict[str, Array]) -> None:
        self.parameters = parameters
        self.gradients: dict[str, Array] = {}
        self.inputs: Array | None = None  # the last forward's input, which backward needs

    @abstractmethod
    def forward(self, inputs: Array) -> Array:
        """The module's output for a batch of rows; keeps the input for `backward`."""

    @abstractmethod
    def backward(self, output_gradient: Array) -> Array:
        """B[g, z](v) = (∂g/∂z)ᵀ v: the loss's gradient wrt the input from the one wrt the output."""

    def _backward_arguments(self, output_gradient: Array) -> tuple[Array, Array]:
        """The cached input and `output_gradient` as float64, after checking backward can run."""
        if self.inputs is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        output_gradient = np.asarray(output_gradient, dtype=np.float64)
        return self.inputs, output_gradient


class Dense(Module):
    """z = x W + b for each row x of the batch.

    The notes write one example as a column, z = W x + b with W of shape (outputs, inputs).
    Stacking examples as rows turns that into Z = X Wᵀ + b, so `weights` here is the notes' Wᵀ,
    of shape (inputs, outputs), as Keras' Dense kernel. The backward B[Dense, x](v) = Wᵀ v
    becomes the row v weightsᵀ, the notes' ∂L/∂W = Σ v xᵀ over examples becomes
    ∂L/∂weights = Xᵀ V, and ∂L/∂b = Σ v over examples.
    """

    def __init__(self, weights: Array, bias: Array) -> None:
        weights = np.array(weights, dtype=np.float64)
        bias = np.array(bias, dtype=np.float64)
        if weights.ndim != 2 or bias.shape != (weights.shape[1],):
            raise ValueError(
                f"Dense needs weights of shape (inputs, outputs) and bias of shape (outputs,); "
                f"got {weights.shape} and {bias.shape}"
            )
        super().__init__({"weights": weights, "bias": bias})

    def forward(self, inputs: Array) -> Array:
        inputs = np.asarray(inputs, dtype=np.float64)
        weights = self.parameters["weights"]
        if inputs.ndim != 2 or inputs.shape[1] != weights.shape[0]:
            raise ValueError(f"Dense with {weights.shape[0]} inputs got a batch of shape {inputs.shape}")
        self.inputs = inputs
        return inputs @ weights + self.parameters["bias"]

    def backward(self, output_gradient: Array) -> Array:
        inputs, output_gradient = self._backward_arguments(output_gradient)
        weights = self.parameters["weights"]
        if output_gradient.shape != (inputs.shape[0], weights.shape[1]):
            raise ValueError(f"Dense output gradient of shape {output_gradient.shape} does not match its output")
        self.gradients = {"weights": inputs.T @ output_gradient, "bias": output_gradient.sum(axis=0)}
        return output_gradient @ weights.T


class Activation(Module):
    """a = g(z) elementwise, with g one of `ACTIVATIONS`; its Jacobian is diagonal, g'(z)."""

    def __init__(self, name: str) -> None:
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
        super().__init__({})
        self.name = name
        self.function, self.derivative = ACTIVATIONS[name]

    def forward(self, inputs: Array) -> Array:
        self.inputs = np.asarray(inputs, dtype=np.float64)
        return self.function(self.inputs)

    def backward(self, output_gradient: Array) -> Array:
        inputs, output_gradient = self._backward_arguments(output_gradient)
        if output_gradient.shape != inputs.shape:
            raise ValueError(f"{self.name} output gradient of shape {output_gradient.shape} != input {inputs.shape}")
        return output_gradient * self.derivative(inputs)


class LayerNorm(Module):
    """y = γ x̂ + β, x̂ = (x - μ) / sqrt(σ² + ε), statistics over each row's features, eq. (38).

    Backward, eq. (56): with s = sqrt(σ² + ε) and n features, ∂x̂_j/∂x_i = (δ_ij - 1/n - x̂_i x̂_j / n) / s,
    so for g = γ v (the gradient wrt x̂), ∂L/∂x = (g - mean(g) - x̂ mean(g x̂)) / s, row by row;
    ∂L/∂γ = Σ v x̂ and ∂L/∂β = Σ v over examples.
    """

    def __init__(self, gamma: Array, beta: Array, epsilon: float) -> None:
        gamma = np.array(gamma, dtype=np.float64)
        beta = np.array(beta, dtype=np.float64)
        if gamma.ndim != 1 or beta.shape != gamma.shape:
            raise ValueError(f"LayerNorm needs γ and β of the same shape (features,); got {gamma.shape}, {beta.shape}")
        if not epsilon > 0.0:
            raise ValueError(f"LayerNorm needs ε > 0, got {epsilon}")
        super().__init__({"gamma": gamma, "beta": beta})
        self.epsilon = epsilon

    def forward(self, inputs: Array) -> Array:
        inputs = np.asarray(inputs, dtype=np.float64)
        features = self.parameters["gamma"].shape[0]
        if inputs.ndim != 2 or inputs.shape[1] != features:
            raise ValueError(f"LayerNorm over {features} features got a batch of shape {inputs.shape}")
        self.inputs = inputs
        return layer_norm(inputs, self.parameters["gamma"], self.parameters["beta"], self.epsilon)

    def backward(self, output_gradient: Array) -> Array:
        inputs, output_gradient = self._backward_arguments(output_gradient)
        if output_gradient.shape != inputs.shape:
            raise ValueError(f"LayerNorm output gradient of shape {output_gradient.shape} != input {inputs.shape}")
        scale = np.sqrt(np.var(inputs, axis=-1, keepdims=True) + self.epsilon)
        normalized = (inputs - np.mean(inputs, axis=-1, keepdims=True)) / scale
        self.gradients = {
            "gamma": np.sum(output_gradient * normalized, axis=0),
            "beta": np.sum(output_gradient, axis=0),
        }
        normalized_gradient = self.parameters["gamma"] * output_gradient
        return (
            normalized_gradient
            - np.mean(normalized_gradient, axis=-1, keepdims=True)
            - normalized * np.mean(normalized_gradient * normalized, axis=-1, keepdims=True)
        ) / scale


class Loss(ABC):
    """A scalar loss of the network's logits, averaged over the batch."""

    def __init__(self) -> None:
        self._logits: Array | None = None
        self._labels: Array | None = None

    @abstractmethod
    def forward(self, logits: Array, labels: Array) -> float:
        """The mean loss; keeps what `backward` needs."""

    @abstractmethod
    def backward(self, output_gradient: float = 1.0) -> Array:
        """The gradient wrt the logits, times `output_gradient` (1 for the loss itself)."""


class LogisticLoss(Loss):
    """Mean of -y log σ(z) - (1 - y) log(1 - σ(z)) for one logit z per example and labels y in {0, 1}.

    Evaluated as max(z, 0) - z y + log(1 + e^{-|z|}), which never exponentiates a positive
    number, so |z| = 1e3 gives a finite loss; the gradient is (σ(z) - y) / batch.
    """

    def forward(self, logits: Array, labels: Array) -> float:
        logits = np.asarray(logits, dtype=np.float64)
        labels = np.asarray(labels)
        if logits.ndim != 2 or logits.shape[1] != 1 or labels.shape != (logits.shape[0],):
            raise ValueError(
                f"logistic loss needs logits of shape (batch, 1) and labels of shape (batch,); "
                f"got {logits.shape} and {labels.shape}"
            )
        if not np.all((labels == 0) | (labels == 1)):
            raise ValueError("logistic loss needs labels that are 0 or 1")
        self._logits = logits[:, 0]
        self._labels = labels.astype(np.float64)
        losses = np.maximum(self._logits, 0.0) - self._logits * self._labels + np.log1p(np.exp(-np.abs(self._logits)))
        return float(np.mean(losses))

    def backward(self, output_gradient: float = 1.0) -> Array:
        if self._logits is None or self._labels is None:
            raise RuntimeError("LogisticLoss.backward called before forward")
        gradient = output_gradient * (sigmoid(self._logits) - self._labels) / self._logits.shape[0]
        return gradient[:, np.newaxis]


class SoftmaxCrossEntropy(Loss):
    """Mean of -log softmax(z)_y for logits z of shape (batch, classes) and integer labels y.

    The gradient wrt the logits is (softmax(z) - one_hot(y)) / batch.
    """

    def forward(self, logits: Array, labels: Array) -> float:
        logits = np.asarray(logits, dtype=np.float64)
        labels = np.asarray(labels)
        if logits.ndim != 2 or labels.shape != (logits.shape[0],):
            raise ValueError(
                f"softmax cross-entropy needs logits of shape (batch, classes) and labels of shape (batch,); "
                f"got {logits.shape} and {labels.shape}"
            )
        if not np.issubdtype(labels.dtype, np.integer) or np.any((labels < 0) | (labels >= logits.shape[1])):
            raise ValueError(f"softmax cross-entropy needs integer labels in [0, {logits.shape[1]})")
        self._logits = logits
        self._labels = labels
        return float(-np.mean(log_softmax(logits)[np.arange(labels.shape[0]), labels]))

    def backward(self, output_gradient: float = 1.0) -> Array:
        if self._logits is None or self._labels is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward called before forward")
        gradient = softmax(self._logits)
        gradient[np.arange(self._labels.shape[0]), self._labels] -= 1.0
        return output_gradient * gradient / self._logits.shape[0]


def network_forward(modules: Sequence[Module], inputs: Array) -> Array:
    """The network's output: each module's forward in order."""
    outputs = np.asarray(inputs, dtype=np.float64)
    for module in modules:
        outputs = module.forward(outputs)
    return outputs


def network_backward(modules: Sequence[Module], output_gradient: Array) -> Array:
    """The gradient wrt the network's input: each module's backward in reverse order, eqs. (58-77)."""
    gradient = np.asarray(output_gradient, dtype=np.float64)
    for module in reversed(modules):
        gradient = module.backward(gradient)
    return gradient


@dataclass(frozen=True)
class Gradients:
    """The loss and its gradients wrt every parameter and the input of one network.

    Parameters are keyed "<module index>.<parameter name>", e.g. "0.weights", "1.gamma".
    """

    loss: float
    parameters: dict[str, Array]
    inputs: Array

    def paired_with(self, reference: Gradients) -> list[tuple[Array, Array]]:
        """(ours, reference) pairs of every parameter's gradient and the input's, for `compare`."""
        if self.parameters.keys() != reference.parameters.keys():
            raise ValueError(f"different parameters: {sorted(self.parameters)} and {sorted(reference.parameters)}")
        pairs = [(gradient, reference.parameters[key]) for key, gradient in self.parameters.items()]
        return [*pairs, (self.inputs, reference.inputs)]


def backprop_gradients(modules: Sequence[Module], loss: Loss, inputs: Array, labels: Array) -> Gradients:
    """Every gradient by one forward and one backward pass."""
    value = loss.forward(network_forward(modules, inputs), labels)
    input_gradient = network_backward(modules, loss.backward())
    parameters = {
        f"{index}.{name}": module.gradients[name] for index, module in enumerate(modules) for name in module.parameters
    }
    return Gradients(value, parameters, input_gradient)


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


def gradient_checks(
    seed: int,
    batch_size: int,
    input_size: int,
    hidden_sizes: Sequence[int],
    classes: int,
    finite_difference_step: float,
) -> list[Check]:
    """Backprop against finite differences and `tf.GradientTape`: one network per activation,
    one with LayerNorm (56), one with the logistic loss; every one in float64.
    """
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")
    rng = np.random.default_rng(seed)
    checks: list[Check] = []
    for activation in ACTIVATIONS:
        modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, classes, activation, False)
        labels = rng.integers(0, classes, size=batch_size)
        checks += _network_checks(
            f"backprop_{activation}", "(58-77)", modules, SoftmaxCrossEntropy(), inputs, labels, finite_difference_step
        )
    modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, classes, "gelu", True)
    labels = rng.integers(0, classes, size=batch_size)
    checks += _network_checks(
        "backprop_layer_norm", "(56)", modules, SoftmaxCrossEntropy(), inputs, labels, finite_difference_step
    )
    modules, inputs = random_network(rng, batch_size, input_size, hidden_sizes, 1, "tanh", False)
    labels = rng.integers(0, 2, size=batch_size)
    checks += _network_checks(
        "backprop_logistic_loss", "(58-77)", modules, LogisticLoss(), inputs, labels, finite_difference_step
    )
    return checks
