"""Modular backpropagation, eqs. (58-77), with the LayerNorm backward of eq. (56).

A network is a list of modules. Each module's `forward` keeps what its `backward` needs, and
`backward` is the notes' B[g, z](v) = (∂g/∂z)ᵀ v: it takes the gradient of the loss with respect
to the module's output and returns the gradient with respect to its input, storing the gradients
of its parameters on the way. Running the backwards in reverse order from the loss's gradient
gives every gradient of the network (`backprop_gradients`).

`backprop_checks.py` compares those gradients, for every parameter and for the input, with
central finite differences and with `tf.GradientTape` on the same float64 weights.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from redes.foundations.activations import ACTIVATIONS, log_softmax, sigmoid, softmax
from redes.foundations.normalization import layer_norm

Array = np.ndarray


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
