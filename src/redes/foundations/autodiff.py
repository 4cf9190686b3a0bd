"""Automatic differentiation (Hands-On ML, App. D): a computation graph in NumPy, differentiated both ways.

Reverse mode is what backpropagation is: one forward pass stores every node's value, then a
single backward sweep in reverse topological order turns the gradient of the (scalar) output into
the gradient of every variable, each node applying its vector-Jacobian product. Forward mode
carries dual numbers (value, tangent) through the same operations and gives one directional
derivative per pass, so the full gradient costs one pass per input coordinate.

An expression is written once as `expression(operations, *inputs)`, with `operations` the
namespace of its backend (`ENGINE_OPERATIONS` for the graph, `DUAL_OPERATIONS` for dual numbers)
and +, -, *, /, ** written as Python operators, so both modes evaluate literally the same
expression (and `autodiff_checks.py` hands it to `tf.GradientTape` as well). Everything is
float64; scalars are 0-d arrays and may be combined with arrays of any shape (the only
broadcasting allowed).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

Array = np.ndarray
VectorJacobianProduct = Callable[[Array], Array]


@dataclass(frozen=True)
class Operations:
    """The non-operator functions an expression may call, for one backend."""

    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sin: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    sum: Callable[[Any], Any]
    matmul: Callable[[Any, Any], Any]


# expression(operations, *inputs) -> output of that backend, of any shape; what is differentiated is
# the sum of its elements, and values are compared before that sum, which could cancel.
Expression = Callable[..., Any]


# Domain and shape rules, shared by the graph engine and the dual numbers.


def _as_float_array(value: ArrayLike) -> Array:
    return np.asarray(value, dtype=np.float64)


def _check_elementwise_shapes(left: Array, right: Array, operation: str) -> None:
    if left.shape != right.shape and left.ndim > 0 and right.ndim > 0:
        raise ValueError(f"'{operation}' needs equal shapes or a scalar operand, got {left.shape} and {right.shape}")


def _check_matmul_shapes(left: Array, right: Array) -> None:
    if left.ndim not in (1, 2) or right.ndim not in (1, 2):
        raise ValueError(f"matmul takes vectors and matrices, got shapes {left.shape} and {right.shape}")
    if left.shape[-1] != right.shape[0]:
        raise ValueError(
            f"matmul of shapes {left.shape} and {right.shape}: inner sizes {left.shape[-1]} != {right.shape[0]}"
        )


def _check_positive(value: Array, what: str) -> None:
    if np.any(value <= 0.0):
        raise ValueError(f"{what} must be positive, got a minimum of {np.min(value)}")


def _check_nonzero_divisor(divisor: Array) -> None:
    if np.any(divisor == 0.0):
        raise ValueError("division by zero")


def _check_power(base: Array, exponent: Array, exponent_is_constant: bool) -> None:
    # Only a constant integer exponent is defined (with its derivative) for any real base; otherwise
    # base^e = exp(e log base) and the derivative in e needs log(base).
    if not (exponent_is_constant and np.all(exponent == np.round(exponent))):
        _check_positive(base, "the base of a power with a non-integer or variable exponent")


# Reverse mode: the computation graph.


class Node:
    """A value in the computation graph, with what it takes to pass a gradient back to its parents."""

    __array_ufunc__ = None  # NumPy arrays and scalars then defer to our reflected operators

    def __init__(
        self,
        value: ArrayLike,
        operation: str,
        parents: Sequence[Node] = (),
        vector_jacobian_products: Sequence[VectorJacobianProduct] = (),
    ) -> None:
        self.value = _as_float_array(value)
        self.operation = operation
        self.parents = tuple(parents)
        # One per parent: gradient of the output with respect to this node -> contribution to that parent's.
        self.vector_jacobian_products = tuple(vector_jacobian_products)
        self.requires_gradient = any(parent.requires_gradient for parent in self.parents)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def __add__(self, other: Node | ArrayLike) -> Node:
        return _add(self, _as_node(other))

    def __radd__(self, other: ArrayLike) -> Node:
        return _add(_as_node(other), self)

    def __sub__(self, other: Node | ArrayLike) -> Node:
        return _subtract(self, _as_node(other))

    def __rsub__(self, other: ArrayLike) -> Node:
        return _subtract(_as_node(other), self)

    def __mul__(self, other: Node | ArrayLike) -> Node:
        return _multiply(self, _as_node(other))

    def __rmul__(self, other: ArrayLike) -> Node:
        return _multiply(_as_node(other), self)

    def __truediv__(self, other: Node | ArrayLike) -> Node:
        return _divide(self, _as_node(other))

    def __rtruediv__(self, other: ArrayLike) -> Node:
        return _divide(_as_node(other), self)

    def __pow__(self, exponent: Node | ArrayLike) -> Node:
        return _power(self, _as_node(exponent))

    def __rpow__(self, base: ArrayLike) -> Node:
        return _power(_as_node(base), self)

    def __matmul__(self, other: Node | ArrayLike) -> Node:
        return _matmul(self, _as_node(other))

    def __rmatmul__(self, other: ArrayLike) -> Node:
        return _matmul(_as_node(other), self)

    def __neg__(self) -> Node:
        return Node(-self.value, "neg", (self,), (operator.neg,))

    def exp(self) -> Node:
        value = np.exp(self.value)
        return Node(value, "exp", (self,), (lambda gradient: gradient * value,))

    def log(self) -> Node:
        _check_positive(self.value, "the argument of log")
        return Node(np.log(self.value), "log", (self,), (lambda gradient: gradient / self.value,))

    def sin(self) -> Node:
        return Node(np.sin(self.value), "sin", (self,), (lambda gradient: gradient * np.cos(self.value),))

    def tanh(self) -> Node:
        value = np.tanh(self.value)
        return Node(value, "tanh", (self,), (lambda gradient: gradient * (1.0 - value**2),))

    def sum(self) -> Node:
        """The sum of all elements, a scalar: how a non-scalar result becomes something to differentiate."""
        return Node(np.sum(self.value), "sum", (self,), (lambda gradient: np.full(self.shape, gradient),))


class Variable(Node):
    """An input we differentiate with respect to."""

    def __init__(self, value: ArrayLike, name: str) -> None:
        super().__init__(value, "variable")
        self.name = name
        self.requires_gradient = True


class Constant(Node):
    """A fixed input: no gradient flows into it."""

    def __init__(self, value: ArrayLike) -> None:
        super().__init__(value, "constant")


def _as_node(value: Node | ArrayLike) -> Node:
    if isinstance(value, Node):
        return value
    # Anything else (a Dual, a TensorFlow tensor) would be silently turned into a constant.
    if not isinstance(value, int | float | np.number | np.ndarray):
        raise TypeError(f"cannot combine a graph node with {type(value).__name__}")
    return Constant(value)


def _sum_to_shape(gradient: Array, shape: tuple[int, ...]) -> Array:
    # A scalar operand was broadcast over the other's shape, so every element's gradient flows back to it.
    return gradient if gradient.shape == shape else np.sum(gradient)


def _add(left: Node, right: Node) -> Node:
    _check_elementwise_shapes(left.value, right.value, "+")
    return Node(
        left.value + right.value,
        "+",
        (left, right),
        (lambda gradient: _sum_to_shape(gradient, left.shape), lambda gradient: _sum_to_shape(gradient, right.shape)),
    )


def _subtract(left: Node, right: Node) -> Node:
    _check_elementwise_shapes(left.value, right.value, "-")
    return Node(
        left.value - right.value,
        "-",
        (left, right),
        (lambda gradient: _sum_to_shape(gradient, left.shape), lambda gradient: _sum_to_shape(-gradient, right.shape)),
    )


def _multiply(left: Node, right: Node) -> Node:
    _check_elementwise_shapes(left.value, right.value, "*")
    return Node(
        left.value * right.value,
        "*",
        (left, right),
        (
            lambda gradient: _sum_to_shape(gradient * right.value, left.shape),
            lambda gradient: _sum_to_shape(gradient * left.value, right.shape),
        ),
    )


def _divide(numerator: Node, denominator: Node) -> Node:
    _check_elementwise_shapes(numerator.value, denominator.value, "/")
    _check_nonzero_divisor(denominator.value)
    value = numerator.value / denominator.value
    return Node(
        value,
        "/",
        (numerator, denominator),
        (
            lambda gradient: _sum_to_shape(gradient / denominator.value, numerator.shape),
            lambda gradient: _sum_to_shape(-gradient * value / denominator.value, denominator.shape),
        ),
    )


def _power(base: Node, exponent: Node) -> Node:
    _check_elementwise_shapes(base.value, exponent.value, "**")
    _check_power(base.value, exponent.value, exponent_is_constant=not exponent.requires_gradient)
    value = base.value**exponent.value
    return Node(
        value,
        "**",
        (base, exponent),
        (
            lambda gradient: _sum_to_shape(
                gradient * exponent.value * base.value ** (exponent.value - 1.0), base.shape
            ),
            # Only called when the exponent requires a gradient, and then the base is positive.
            lambda gradient: _sum_to_shape(gradient * value * np.log(base.value), exponent.shape),
        ),
    )


def _matmul(left: Node, right: Node) -> Node:
    _check_matmul_shapes(left.value, right.value)
    # As in NumPy's @, a vector is a row on the left and a column on the right; the gradients
    # are then those of a matrix product, G B^T and A^T G, reshaped back.
    left_matrix = left.value.reshape(1, -1) if left.value.ndim == 1 else left.value
    right_matrix = right.value.reshape(-1, 1) if right.value.ndim == 1 else right.value
    product_shape = (left_matrix.shape[0], right_matrix.shape[1])
    return Node(
        left.value @ right.value,
        "@",
        (left, right),
        (
            lambda gradient: (gradient.reshape(product_shape) @ right_matrix.T).reshape(left.shape),
            lambda gradient: (left_matrix.T @ gradient.reshape(product_shape)).reshape(right.shape),
        ),
    )


def _topological_order(output: Node) -> list[Node]:
    """Every node `output` depends on, each after all of its parents (iterative, so deep graphs are fine)."""
    order: list[Node] = []
    visited: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(output, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents if parent not in visited)
    return order


def gradients(output: Node, variables: Sequence[Variable]) -> list[Array]:
    """Reverse mode: d output / d variable for each variable, zeros for one `output` does not depend on.

    `output` must be a scalar (reduce with `.sum()` first). Contributions of a node used several times
    are added up.
    """
    if output.shape != ():
        raise ValueError(f"the output must be a scalar, got shape {output.shape}; reduce it with .sum() first")
    for variable in variables:
        if not isinstance(variable, Variable):
            raise ValueError(f"can only differentiate with respect to a Variable, got {type(variable).__name__}")
    adjoints: dict[Node, Array] = {output: np.ones(())}
    for node in reversed(_topological_order(output)):
        if node not in adjoints:
            continue
        for parent, vector_jacobian_product in zip(node.parents, node.vector_jacobian_products, strict=True):
            if parent.requires_gradient:
                contribution = _as_float_array(vector_jacobian_product(adjoints[node]))
                adjoints[parent] = adjoints[parent] + contribution if parent in adjoints else contribution
    return [adjoints.get(variable, np.zeros(variable.shape)) for variable in variables]


_INFIX_OPERATIONS = frozenset({"+", "-", "*", "/", "**", "@"})


def formula(node: Node) -> str:
    """The expression that built `node`, written out, e.g. 'tanh(((W @ x) + b))'."""
    if isinstance(node, Variable):
        return node.name
    if isinstance(node, Constant):
        return f"{float(node.value):.4g}" if node.value.ndim == 0 else f"constant{node.shape}"
    arguments = [formula(parent) for parent in node.parents]
    if node.operation in _INFIX_OPERATIONS:
        return f"({arguments[0]} {node.operation} {arguments[1]})"
    if node.operation == "neg":
        return f"(-{arguments[0]})"
    return f"{node.operation}({arguments[0]})"


ENGINE_OPERATIONS = Operations(
    exp=Node.exp, log=Node.log, sin=Node.sin, tanh=Node.tanh, sum=Node.sum, matmul=operator.matmul
)


# Forward mode: dual numbers.


class Dual:
    """A value and its tangent (the derivative along one direction), carried forward operation by operation."""

    __array_ufunc__ = None  # NumPy arrays and scalars then defer to our reflected operators

    def __init__(self, value: ArrayLike, tangent: ArrayLike) -> None:
        self.value = _as_float_array(value)
        self.tangent = _as_float_array(tangent)
        if self.value.shape != self.tangent.shape:
            raise ValueError(f"value of shape {self.value.shape} with a tangent of shape {self.tangent.shape}")

    def __add__(self, other: Dual | ArrayLike) -> Dual:
        return _dual_add(self, _as_dual(other))

    def __radd__(self, other: ArrayLike) -> Dual:
        return _dual_add(_as_dual(other), self)

    def __sub__(self, other: Dual | ArrayLike) -> Dual:
        return _dual_add(self, -_as_dual(other))

    def __rsub__(self, other: ArrayLike) -> Dual:
        return _dual_add(_as_dual(other), -self)

    def __mul__(self, other: Dual | ArrayLike) -> Dual:
        return _dual_multiply(self, _as_dual(other))

    def __rmul__(self, other: ArrayLike) -> Dual:
        return _dual_multiply(_as_dual(other), self)

    def __truediv__(self, other: Dual | ArrayLike) -> Dual:
        return _dual_divide(self, _as_dual(other))

    def __rtruediv__(self, other: ArrayLike) -> Dual:
        return _dual_divide(_as_dual(other), self)

    def __pow__(self, exponent: Dual | ArrayLike) -> Dual:
        # A plain number is a constant exponent; a Dual one is variable even if its tangent is zero.
        return _dual_power(self, _as_dual(exponent), exponent_is_constant=not isinstance(exponent, Dual))

    def __rpow__(self, base: ArrayLike) -> Dual:
        return _dual_power(_as_dual(base), self, exponent_is_constant=False)

    def __matmul__(self, other: Dual | ArrayLike) -> Dual:
        return _dual_matmul(self, _as_dual(other))

    def __rmatmul__(self, other: ArrayLike) -> Dual:
        return _dual_matmul(_as_dual(other), self)

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.tangent)

    def exp(self) -> Dual:
        value = np.exp(self.value)
        return Dual(value, value * self.tangent)

    def log(self) -> Dual:
        _check_positive(self.value, "the argument of log")
        return Dual(np.log(self.value), self.tangent / self.value)

    def sin(self) -> Dual:
        return Dual(np.sin(self.value), np.cos(self.value) * self.tangent)

    def tanh(self) -> Dual:
        value = np.tanh(self.value)
        return Dual(value, (1.0 - value**2) * self.tangent)

    def sum(self) -> Dual:
        return Dual(np.sum(self.value), np.sum(self.tangent))


def _as_dual(value: Dual | ArrayLike) -> Dual:
    if isinstance(value, Dual):
        return value
    if not isinstance(value, int | float | np.number | np.ndarray):
        raise TypeError(f"cannot combine a dual number with {type(value).__name__}")
    constant = _as_float_array(value)
    return Dual(constant, np.zeros_like(constant))


def _dual_add(left: Dual, right: Dual) -> Dual:
    _check_elementwise_shapes(left.value, right.value, "+")
    return Dual(left.value + right.value, left.tangent + right.tangent)


def _dual_multiply(left: Dual, right: Dual) -> Dual:
    _check_elementwise_shapes(left.value, right.value, "*")
    return Dual(left.value * right.value, left.tangent * right.value + left.value * right.tangent)


def _dual_divide(numerator: Dual, denominator: Dual) -> Dual:
    _check_elementwise_shapes(numerator.value, denominator.value, "/")
    _check_nonzero_divisor(denominator.value)
    value = numerator.value / denominator.value
    return Dual(value, (numerator.tangent - value * denominator.tangent) / denominator.value)


def _dual_power(base: Dual, exponent: Dual, exponent_is_constant: bool) -> Dual:
    _check_elementwise_shapes(base.value, exponent.value, "**")
    _check_power(base.value, exponent.value, exponent_is_constant)
    value = base.value**exponent.value
    tangent = exponent.value * base.value ** (exponent.value - 1.0) * base.tangent
    if not exponent_is_constant:
        tangent = tangent + value * np.log(base.value) * exponent.tangent
    return Dual(value, tangent)


def _dual_matmul(left: Dual, right: Dual) -> Dual:
    _check_matmul_shapes(left.value, right.value)
    return Dual(left.value @ right.value, left.tangent @ right.value + left.value @ right.tangent)


DUAL_OPERATIONS = Operations(
    exp=Dual.exp, log=Dual.log, sin=Dual.sin, tanh=Dual.tanh, sum=Dual.sum, matmul=operator.matmul
)


def directional_derivative(
    function: Callable[..., Dual], inputs: Sequence[ArrayLike], directions: Sequence[ArrayLike]
) -> float:
    """Forward mode, one pass: the derivative of the scalar `function(*inputs)` along `directions`."""
    if len(inputs) != len(directions):
        raise ValueError(f"{len(inputs)} inputs but {len(directions)} directions")
    output = function(*(Dual(value, direction) for value, direction in zip(inputs, directions, strict=True)))
    if output.value.shape != ():
        raise ValueError(f"the output must be a scalar, got shape {output.value.shape}")
    return float(output.tangent)


def forward_gradients(function: Callable[..., Dual], inputs: Sequence[ArrayLike]) -> list[Array]:
    """Forward mode: the gradient of the scalar `function(*inputs)`, one pass per input coordinate."""
    arrays = [_as_float_array(value) for value in inputs]
    result = [np.zeros_like(array) for array in arrays]
    for input_index, array in enumerate(arrays):
        for coordinate in np.ndindex(array.shape):
            directions = [np.zeros_like(other) for other in arrays]
            directions[input_index][coordinate] = 1.0
            result[input_index][coordinate] = directional_derivative(function, arrays, directions)
    return result


# An expression both ways.


def reverse_mode_value_and_gradients(expression: Expression, inputs: Sequence[ArrayLike]) -> tuple[Array, list[Array]]:
    """The value of `expression` on our graph, and by reverse mode the gradient of its sum for every input."""
    variables = [Variable(value, f"x{index}") for index, value in enumerate(inputs)]
    output = expression(ENGINE_OPERATIONS, *variables)
    return output.value, gradients(output.sum(), variables)


def forward_mode_value_and_gradients(expression: Expression, inputs: Sequence[ArrayLike]) -> tuple[Array, list[Array]]:
    """The value of `expression` on dual numbers, and the gradient of its sum, one pass per input coordinate."""
    value = expression(DUAL_OPERATIONS, *(_as_dual(_as_float_array(array)) for array in inputs)).value
    return value, forward_gradients(lambda *duals: expression(DUAL_OPERATIONS, *duals).sum(), inputs)


def expression_formula(expression: Expression, inputs: Sequence[ArrayLike]) -> str:
    """`expression` written out on inputs named x0, x1, ..., by building its graph."""
    return formula(expression(ENGINE_OPERATIONS, *(Variable(value, f"x{index}") for index, value in enumerate(inputs))))
