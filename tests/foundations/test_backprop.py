"""Modular backprop (58-77) and the LayerNorm backward (56) against finite differences and TF."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import tensorflow as tf

from redes.foundations.activations import ACTIVATIONS, LEAKY_RELU_SLOPE
from redes.foundations.backprop import (
    Activation,
    Dense,
    LayerNorm,
    LogisticLoss,
    Module,
    SoftmaxCrossEntropy,
    backprop_gradients,
    network_forward,
)
from redes.foundations.backprop_checks import (
    FINITE_DIFFERENCE_TOLERANCE,
    GRADIENT_TAPE_TOLERANCE,
    KINK_MARGIN,
    TENSORFLOW_ACTIVATIONS,
    finite_difference_gradients,
    gradient_checks,
    random_network,
    tape_gradients,
)
from redes.foundations.checks import Check, relative_error, worst_relative_error
from redes.foundations.params import BackpropParams

STEP = 1e-6


@pytest.fixture(scope="module")
def checks() -> list[Check]:
    params = BackpropParams(batch_size=6, input_size=4, hidden_sizes=[5, 4], classes=3, finite_difference_step=STEP)
    return gradient_checks(params, seed=3)


def test_stated_tolerances() -> None:
    assert FINITE_DIFFERENCE_TOLERANCE == 1e-7
    assert GRADIENT_TAPE_TOLERANCE == 1e-10


def test_every_check_passes_its_tolerance(checks: list[Check]) -> None:
    for check in checks:
        expected = FINITE_DIFFERENCE_TOLERANCE if check.name.endswith("finite_differences") else GRADIENT_TAPE_TOLERANCE
        assert check.tolerance == expected, check.name
        assert check.passed, f"{check.name}: {check.max_rel_error:.2e} > {check.tolerance:.0e}"


def test_check_names_and_equations(checks: list[Check]) -> None:
    networks = [*ACTIVATIONS, "layer_norm", "logistic_loss"]
    expected = [
        f"backprop_{network}_{method}" for network in networks for method in ("finite_differences", "gradient_tape")
    ]
    assert [check.name for check in checks] == expected
    assert all(re.fullmatch(r"[a-z0-9_]+", check.name) for check in checks)
    for check in checks:
        assert check.equation == ("(56)" if "layer_norm" in check.name else "(58-77)")


def _problem(
    activation: str, with_layer_norm: bool, seed: int = 0
) -> tuple[list[Module], SoftmaxCrossEntropy, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    modules, inputs = random_network(rng, 5, 4, (6, 5), 3, activation, with_layer_norm)
    return modules, SoftmaxCrossEntropy(), inputs, rng.integers(0, 3, size=5)


def _errors(modules: list[Module], loss: SoftmaxCrossEntropy, inputs: np.ndarray, labels: np.ndarray) -> list[float]:
    """Backprop's worst relative error against finite differences and against the tape."""
    ours = backprop_gradients(modules, loss, inputs, labels)
    return [
        worst_relative_error(ours.paired_with(finite_difference_gradients(modules, loss, inputs, labels, STEP))),
        worst_relative_error(ours.paired_with(tape_gradients(modules, loss, inputs, labels))),
    ]


class FlippedWeightGradientDense(Dense):
    def backward(self, output_gradient: np.ndarray) -> np.ndarray:
        input_gradient = super().backward(output_gradient)
        self.gradients["weights"] = -self.gradients["weights"]
        return input_gradient


class PerturbedDerivativeActivation(Activation):
    def backward(self, output_gradient: np.ndarray) -> np.ndarray:
        return 1.001 * super().backward(output_gradient)


class MeanOnlyLayerNorm(LayerNorm):
    """The backward that forgets σ depends on x: drops the x̂ mean(g x̂) term of eq. (56)."""

    def backward(self, output_gradient: np.ndarray) -> np.ndarray:
        super().backward(output_gradient)
        inputs = self.inputs
        scale = np.sqrt(np.var(inputs, axis=-1, keepdims=True) + self.epsilon)
        normalized_gradient = self.parameters["gamma"] * output_gradient
        return (normalized_gradient - np.mean(normalized_gradient, axis=-1, keepdims=True)) / scale


def test_correct_network_is_within_tolerance() -> None:
    finite, taped = _errors(*_problem("tanh", with_layer_norm=True))
    assert finite <= FINITE_DIFFERENCE_TOLERANCE
    assert taped <= GRADIENT_TAPE_TOLERANCE


def test_flipped_dense_gradient_is_detected() -> None:
    modules, loss, inputs, labels = _problem("relu", with_layer_norm=False)
    dense = modules[2]
    modules[2] = FlippedWeightGradientDense(dense.parameters["weights"], dense.parameters["bias"])
    finite, taped = _errors(modules, loss, inputs, labels)
    assert finite > FINITE_DIFFERENCE_TOLERANCE
    assert taped > GRADIENT_TAPE_TOLERANCE


@pytest.mark.parametrize("activation", ["sigmoid", "gelu"])
def test_perturbed_activation_derivative_is_detected(activation: str) -> None:
    modules, loss, inputs, labels = _problem(activation, with_layer_norm=False)
    modules[1] = PerturbedDerivativeActivation(activation)
    finite, taped = _errors(modules, loss, inputs, labels)
    assert finite > FINITE_DIFFERENCE_TOLERANCE
    assert taped > GRADIENT_TAPE_TOLERANCE


def test_layer_norm_backward_missing_the_variance_term_is_detected() -> None:
    modules, loss, inputs, labels = _problem("gelu", with_layer_norm=True)
    layer_norm = modules[1]
    assert isinstance(layer_norm, LayerNorm)
    modules[1] = MeanOnlyLayerNorm(layer_norm.parameters["gamma"], layer_norm.parameters["beta"], layer_norm.epsilon)
    finite, taped = _errors(modules, loss, inputs, labels)
    assert finite > FINITE_DIFFERENCE_TOLERANCE
    assert taped > GRADIENT_TAPE_TOLERANCE


def test_dense_gradient_is_the_notes_column_convention_transposed() -> None:
    """Notes: z = W x + b per column example, ∂L/∂W = Σ v xᵀ; here weights = Wᵀ."""
    rng = np.random.default_rng(1)
    weights, bias = rng.normal(size=(4, 3)), rng.normal(size=3)
    inputs, output_gradient = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    dense = Dense(weights, bias)
    outputs = dense.forward(inputs)
    input_gradient = dense.backward(output_gradient)
    notes_weights = weights.T
    for x, z, v, input_v in zip(inputs, outputs, output_gradient, input_gradient, strict=True):
        np.testing.assert_allclose(z, notes_weights @ x + bias, rtol=1e-13)
        np.testing.assert_allclose(input_v, notes_weights.T @ v, rtol=1e-13)
    summed_outer = sum(np.outer(v, x) for x, v in zip(inputs, output_gradient, strict=True))
    np.testing.assert_allclose(dense.gradients["weights"], summed_outer.T, rtol=1e-13)


def test_finite_differences_leave_the_network_unchanged() -> None:
    modules, loss, inputs, labels = _problem("gelu", with_layer_norm=True)
    before = [array.copy() for module in modules for array in module.parameters.values()]
    inputs_before = inputs.copy()
    finite_difference_gradients(modules, loss, inputs, labels, STEP)
    after = [array for module in modules for array in module.parameters.values()]
    assert all(np.array_equal(old, new) for old, new in zip(before, after, strict=True))
    assert np.array_equal(inputs, inputs_before)


def test_pre_activations_stay_clear_of_kinks() -> None:
    rng = np.random.default_rng(7)
    modules, inputs = random_network(rng, 32, 10, (40, 30), 3, "relu", with_layer_norm=True)
    network_forward(modules, inputs)
    pre_activations = [module.inputs for module in modules if isinstance(module, Activation)]
    assert len(pre_activations) == 2
    assert min(float(np.min(np.abs(z))) for z in pre_activations) >= KINK_MARGIN


def test_saturated_sigmoid_and_logistic_loss_stay_finite() -> None:
    logits = np.array([[1e3], [-1e3], [1e3], [-1e3]])
    labels = np.array([1, 1, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = LogisticLoss()
        value = loss.forward(logits, labels)
        gradient = loss.backward()
        sigmoid = Activation("sigmoid")
        activations = sigmoid.forward(logits)
        sigmoid_gradient = sigmoid.backward(np.ones_like(logits))
    assert value == pytest.approx(500.0, rel=1e-15)  # 0 for right answers, |z| = 1000 for wrong ones
    np.testing.assert_array_equal(gradient[:, 0], [0.0, -0.25, 0.25, 0.0])
    np.testing.assert_array_equal(activations[:, 0], [1.0, 0.0, 1.0, 0.0])
    assert np.all(np.isfinite(sigmoid_gradient))
    reference = tf.reduce_mean(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels[:, None].astype(np.float64), logits=logits)
    )
    assert value == pytest.approx(float(reference), rel=1e-15)


def test_softmax_cross_entropy_equals_tensorflow_mean() -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(scale=3.0, size=(7, 5))
    logits[0] = [1e3, -1e3, 0.0, 5.0, -5.0]  # saturated softmax stays finite
    labels = rng.integers(0, 5, size=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = SoftmaxCrossEntropy().forward(logits, labels)
    reference = float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)))
    assert relative_error(ours, reference) < 1e-14


def test_tensorflow_references_match_tf_nn_to_its_float32_constants() -> None:
    """tf.nn.gelu and tf.nn.leaky_relu carry float32 constants: equal to ~1e-8, not to 1e-10."""
    assert TENSORFLOW_ACTIVATIONS.keys() == ACTIVATIONS.keys()
    z = tf.constant(np.linspace(-4.0, 4.0, 81) + 0.05)
    gelu_gap = relative_error(TENSORFLOW_ACTIVATIONS["gelu"](z), tf.nn.gelu(z, approximate=False))
    leaky_gap = relative_error(TENSORFLOW_ACTIVATIONS["leaky_relu"](z), tf.nn.leaky_relu(z, alpha=LEAKY_RELU_SLOPE))
    assert gelu_gap < 1e-7
    assert leaky_gap < 1e-7
    for name, (function, _) in ACTIVATIONS.items():
        assert relative_error(function(z.numpy()), TENSORFLOW_ACTIVATIONS[name](z)) < 1e-15, name


def test_backward_before_forward_raises() -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        Dense(np.ones((2, 2)), np.zeros(2)).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="before forward"):
        SoftmaxCrossEntropy().backward()


def test_bad_arguments_raise_value_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        Activation("swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        random_network(rng, 2, 3, (4,), 2, "swish", with_layer_norm=False)
    with pytest.raises(ValueError, match="hidden_sizes"):
        random_network(rng, 2, 3, (), 2, "relu", with_layer_norm=False)
    with pytest.raises(ValueError, match="bias of shape"):
        Dense(np.ones((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="Dense with 2 inputs"):
        Dense(np.ones((2, 3)), np.zeros(3)).forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match="same shape"):
        LayerNorm(np.ones(3), np.zeros(2), 1e-3)
    with pytest.raises(ValueError, match="integer labels"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="0 or 1"):
        LogisticLoss().forward(np.zeros((2, 1)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"shape \(batch, 1\)"):
        LogisticLoss().forward(np.zeros((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="step"):
        finite_difference_gradients([], SoftmaxCrossEntropy(), np.zeros((1, 2)), np.array([0]), 0.0)
    with pytest.raises(ValueError, match="classes"):
        BackpropParams(batch_size=2, input_size=2, hidden_sizes=[2], classes=1, finite_difference_step=STEP)
