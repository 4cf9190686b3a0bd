"""The autodiff engine of `autodiff.py` against `tf.GradientTape`, on random expressions and a dense layer.

Every expression is evaluated three times, on our graph (reverse mode), on dual numbers (forward
mode) and on float64 TensorFlow tensors, through the backend namespaces of `autodiff.py` plus
`TENSORFLOW_OPERATIONS` here; the values and the gradients of each expression's sum are compared.
The random expressions are trees of templates chosen so that every operation stays in its domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from redes.foundations.autodiff import (
    Expression,
    Operations,
    forward_mode_value_and_gradients,
    reverse_mode_value_and_gradients,
)
from redes.foundations.checks import Check, compare
from redes.foundations.params import AutodiffParams

Array = np.ndarray

EQUATION = "App. D"

# Values go through the same float64 operations in NumPy and TensorFlow; only the transcendental
# functions (exp, log, sin, tanh, pow) may differ by an ulp, which a few levels of tree amplify to
# some 1e-15 (worst seen over 1000 expressions of depth 1 to 5).
VALUES_TOLERANCE = 1e-12
# Gradients chain one more factor per level, computed independently by us and by TensorFlow's
# gradient formulas: worst seen 1e-13. What can still exceed it is an expression whose whole
# gradient goes through a saturated tanh, where 1 - tanh² ~ 1e-9 makes an ulp of tanh a relative
# 1e-7 in both libraries (seen once in 1000 expressions of depth 6, never at depth 5 or less).
REVERSE_MODE_TOLERANCE = 1e-10
FORWARD_MODE_TOLERANCE = 1e-10

# Inputs of each random expression: two vectors of this length and a scalar, so that scalar
# broadcasting (and its sum-reduction in the backward pass) is exercised.
EXPRESSION_VECTOR_LENGTH = 3
# The fixed layer tanh(W @ x + b): W is LAYER_OUTPUTS x LAYER_INPUTS.
LAYER_INPUTS = 5
LAYER_OUTPUTS = 4

# The reference: TensorFlow on the very same expression.


def _tensorflow_matmul(left: tf.Tensor, right: tf.Tensor) -> tf.Tensor:
    # Contracting the last axis of `left` with the first of `right` is NumPy's @ for vectors and matrices.
    return tf.tensordot(left, right, axes=1)


TENSORFLOW_OPERATIONS = Operations(
    exp=tf.exp, log=tf.math.log, sin=tf.sin, tanh=tf.tanh, sum=tf.reduce_sum, matmul=_tensorflow_matmul
)


def tensorflow_value_and_gradients(expression: Expression, inputs: Sequence[ArrayLike]) -> tuple[Array, list[Array]]:
    """The reference: `expression` on float64 tensors, and the gradient of its sum by `tf.GradientTape`."""
    tensors = [tf.constant(value, dtype=tf.float64) for value in inputs]
    with tf.GradientTape() as tape:
        for tensor in tensors:
            tape.watch(tensor)
        output = expression(TENSORFLOW_OPERATIONS, *tensors)
        total = tf.reduce_sum(output)
    reference = tape.gradient(total, tensors, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return output.numpy(), [gradient.numpy() for gradient in reference]


# The expressions checked.


def dense_tanh_layer(operations: Operations, weights: Any, inputs: Any, bias: Any) -> Any:
    """tanh(W x + b): a dense layer, the expression with a matrix product."""
    return operations.tanh(operations.matmul(weights, inputs) + bias)


_UNARY_TEMPLATES = ("affine", "exp", "log", "sin", "tanh", "square", "fractional_power", "normalize")
_BINARY_TEMPLATES = ("add", "subtract", "multiply", "divide", "power")
_FRACTIONAL_EXPONENTS = (-1.5, -0.5, 0.5)


@dataclass(frozen=True)
class RandomExpression:
    """A random expression tree; call it as `expression(operations, *inputs)`.

    Every template keeps the operations in their domain whatever its subtrees evaluate to: log and
    non-integer powers act on 1 + a², divisors are 1 + b² or 1 + sum(a²), exp and the variable
    exponent see a bounded argument.
    """

    tree: tuple

    def __call__(self, operations: Operations, *inputs: Any) -> Any:
        return _evaluate(self.tree, operations, inputs)


def _evaluate(tree: tuple, operations: Operations, inputs: Sequence[Any]) -> Any:
    def subtree(child: tuple) -> Any:
        return _evaluate(child, operations, inputs)

    match tree:
        case ("input", index):
            return inputs[index]
        case ("add", left, right):
            return subtree(left) + subtree(right)
        case ("subtract", left, right):
            return subtree(left) - subtree(right)
        case ("multiply", left, right):
            return subtree(left) * subtree(right)
        case ("divide", left, right):
            divisor = subtree(right)
            return subtree(left) / (1.0 + divisor * divisor)
        case ("power", left, right):
            base = subtree(left)
            return (1.0 + base * base) ** operations.tanh(subtree(right))
        case ("affine", child, scale, shift):
            return scale * subtree(child) + shift
        case ("exp", child):
            argument = subtree(child)
            return operations.exp(-(argument * argument))
        case ("log", child):
            argument = subtree(child)
            return operations.log(1.0 + argument * argument)
        case ("sin", child):
            return operations.sin(subtree(child))
        case ("tanh", child):
            return operations.tanh(subtree(child))
        case ("square", child):
            return subtree(child) ** 2
        case ("fractional_power", child, exponent):
            argument = subtree(child)
            return (1.0 + argument * argument) ** exponent
        case ("normalize", child):
            # A reduction inside the graph, broadcast back over the elements it came from.
            argument = subtree(child)
            return argument / (1.0 + operations.sum(argument * argument))
    raise ValueError(f"unknown expression tree {tree!r}")


def _random_tree(rng: np.random.Generator, depth: int, input_count: int) -> tuple:
    if depth == 0:
        return ("input", int(rng.integers(input_count)))
    templates = _UNARY_TEMPLATES + _BINARY_TEMPLATES
    template = templates[int(rng.integers(len(templates)))]
    arity = 2 if template in _BINARY_TEMPLATES else 1
    children = tuple(_random_tree(rng, depth - 1, input_count) for _ in range(arity))
    # Python floats, not NumPy scalars: NumPy would turn a TensorFlow tensor it multiplies into an array.
    if template == "affine":
        return (template, *children, float(rng.uniform(-2.0, 2.0)), float(rng.uniform(-2.0, 2.0)))
    if template == "fractional_power":
        return (template, *children, float(rng.choice(_FRACTIONAL_EXPONENTS)))
    return (template, *children)


def _random_cases(rng: np.random.Generator, count: int, depth: int) -> list[tuple[Expression, list[Array]]]:
    cases: list[tuple[Expression, list[Array]]] = []
    for _ in range(count):
        expression = RandomExpression(_random_tree(rng, depth, input_count=3))
        inputs = [
            rng.normal(size=EXPRESSION_VECTOR_LENGTH),
            rng.normal(size=EXPRESSION_VECTOR_LENGTH),
            np.asarray(rng.normal()),
        ]
        cases.append((expression, inputs))
    return cases


def random_expressions(seed: int, count: int, depth: int) -> list[tuple[Expression, list[Array]]]:
    """`count` random expression trees of the given depth, each with its inputs (two vectors and a scalar)."""
    if count < 1 or depth < 1:
        raise ValueError(f"need at least one expression of depth at least 1, got count={count}, depth={depth}")
    return _random_cases(np.random.default_rng(seed), count, depth)


def _concatenated(arrays: Sequence[Array]) -> Array:
    return np.concatenate([np.ravel(array) for array in arrays])


def autodiff_checks(params: AutodiffParams, seed: int) -> list[Check]:
    """Our reverse and forward modes, and the values, against TensorFlow on random expressions and a dense layer."""
    expressions, depth = params.expressions, params.depth
    rng = np.random.default_rng(seed)
    cases = _random_cases(rng, expressions, depth)
    layer_inputs = [
        rng.normal(size=(LAYER_OUTPUTS, LAYER_INPUTS)) / np.sqrt(LAYER_INPUTS),
        rng.normal(size=LAYER_INPUTS),
        rng.normal(size=LAYER_OUTPUTS),
    ]
    cases.append((dense_tanh_layer, layer_inputs))

    value_pairs: list[tuple[Array, Array]] = []
    reverse_pairs: list[tuple[Array, Array]] = []
    forward_pairs: list[tuple[Array, Array]] = []
    for expression, inputs in cases:
        reference_value, reference_gradients = tensorflow_value_and_gradients(expression, inputs)
        reverse_value, reverse_gradients = reverse_mode_value_and_gradients(expression, inputs)
        forward_value, dual_gradients = forward_mode_value_and_gradients(expression, inputs)
        value_pairs += [(reverse_value, reference_value), (forward_value, reference_value)]
        # One gradient vector per expression, over all its inputs: an input whose whole gradient goes
        # through a saturated tanh (1 - tanh² of order 1e-9, where an ulp of tanh is a relative 1e-7)
        # is then measured against the size of the gradient, not against itself.
        reference_gradient = _concatenated(reference_gradients)
        reverse_pairs.append((_concatenated(reverse_gradients), reference_gradient))
        forward_pairs.append((_concatenated(dual_gradients), reference_gradient))

    reference = "tf.GradientTape (float64)"
    return [
        compare(
            "autodiff_reverse_mode",
            EQUATION,
            f"reverse-mode gradients of the sums of {expressions} random expressions of depth {depth} and tanh(Wx + b)",
            reference,
            reverse_pairs,
            REVERSE_MODE_TOLERANCE,
        ),
        compare(
            "autodiff_forward_mode",
            EQUATION,
            f"dual-number gradients of the sums of {expressions} random expressions of depth {depth} and tanh(Wx + b)",
            reference,
            forward_pairs,
            FORWARD_MODE_TOLERANCE,
        ),
        compare(
            "autodiff_values",
            EQUATION,
            "values of the same expressions (before the sum) on our graph and on dual numbers",
            "TensorFlow float64 operations",
            value_pairs,
            VALUES_TOLERANCE,
        ),
    ]
