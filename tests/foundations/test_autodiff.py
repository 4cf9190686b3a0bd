"""Automatic differentiation (App. D): our reverse and forward modes against tf.GradientTape, and their edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from redes.foundations.autodiff import (
    DUAL_OPERATIONS,
    ENGINE_OPERATIONS,
    Constant,
    Dual,
    Variable,
    directional_derivative,
    expression_formula,
    formula,
    forward_gradients,
    forward_mode_value_and_gradients,
    gradients,
    reverse_mode_value_and_gradients,
)
from redes.foundations.autodiff_checks import (
    FORWARD_MODE_TOLERANCE,
    REVERSE_MODE_TOLERANCE,
    TENSORFLOW_OPERATIONS,
    VALUES_TOLERANCE,
    autodiff_checks,
    dense_tanh_layer,
    random_expressions,
    tensorflow_value_and_gradients,
)
from redes.foundations.checks import relative_error
from redes.foundations.params import AutodiffParams


def test_tolerances_are_the_stated_ones() -> None:
    assert (REVERSE_MODE_TOLERANCE, FORWARD_MODE_TOLERANCE, VALUES_TOLERANCE) == (1e-10, 1e-10, 1e-12)


@pytest.mark.parametrize(("seed", "depth"), [(0, 3), (1, 4)])
def test_checks_meet_their_tolerances(seed: int, depth: int) -> None:
    checks = autodiff_checks(AutodiffParams(expressions=5, depth=depth), seed)
    assert [check.name for check in checks] == ["autodiff_reverse_mode", "autodiff_forward_mode", "autodiff_values"]
    assert [check.tolerance for check in checks] == [REVERSE_MODE_TOLERANCE, FORWARD_MODE_TOLERANCE, VALUES_TOLERANCE]
    for check in checks:
        assert check.equation == "App. D"
        assert check.max_rel_error <= check.tolerance, check
        assert check.passed


def test_checks_reject_empty_batteries() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        AutodiffParams(expressions=0, depth=3)
    with pytest.raises(ValueError, match="depth at least 1"):
        random_expressions(seed=0, count=2, depth=0)


def test_random_expressions_are_seeded() -> None:
    def formulas(seed: int) -> list[str]:
        return [expression_formula(expression, inputs) for expression, inputs in random_expressions(seed, 4, 3)]

    assert formulas(7) == formulas(7)
    assert formulas(7) != formulas(8)


def _assert_all_modes_match_tensorflow(expression, inputs) -> None:
    reference_value, reference_gradients = tensorflow_value_and_gradients(expression, inputs)
    for mode, tolerance in (
        (reverse_mode_value_and_gradients, REVERSE_MODE_TOLERANCE),
        (forward_mode_value_and_gradients, FORWARD_MODE_TOLERANCE),
    ):
        value, mode_gradients = mode(expression, inputs)
        assert relative_error(value, reference_value) <= VALUES_TOLERANCE
        assert len(mode_gradients) == len(reference_gradients)
        for ours, reference in zip(mode_gradients, reference_gradients, strict=True):
            assert relative_error(ours, reference) <= tolerance


ELEMENTWISE_EXPRESSIONS = {
    "add_subtract_negate": lambda ops, x, y: -(x + y) - 2.0 * x + 1.0,
    "multiply_divide": lambda ops, x, y: x * y / (2.0 + y * y) + 1.0 / (3.0 + x),
    "exp_log": lambda ops, x, y: ops.exp(x) * ops.log(1.5 + y),
    "sin_tanh": lambda ops, x, y: ops.sin(x * y) + ops.tanh(3.0 * x),
    "constant_powers": lambda ops, x, y: x**3 + (2.0 + y) ** -1.5,
    "variable_power": lambda ops, x, y: (1.5 + x) ** (y + 0.3) + 2.0**y,
    "sum_inside": lambda ops, x, y: x * ops.sum(y * y) / (1.0 + ops.sum(x * x)),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE_EXPRESSIONS))
def test_each_operation_matches_tensorflow(name: str) -> None:
    rng = np.random.default_rng(3)
    # Inputs in (0.1, 0.9) keep every log and non-integer power above in its domain.
    _assert_all_modes_match_tensorflow(ELEMENTWISE_EXPRESSIONS[name], [rng.uniform(0.1, 0.9, size=4) for _ in "xy"])


@pytest.mark.parametrize(
    ("left_shape", "right_shape"), [((3, 4), (4, 2)), ((3, 4), (4,)), ((4,), (4, 2)), ((4,), (4,))]
)
def test_matmul_gradients_match_tensorflow(left_shape: tuple[int, ...], right_shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(4)
    inputs = [rng.normal(size=left_shape), rng.normal(size=right_shape)]
    _assert_all_modes_match_tensorflow(lambda ops, a, b: ops.tanh(ops.matmul(a, b)), inputs)


def test_dense_layer_matches_tensorflow() -> None:
    rng = np.random.default_rng(5)
    _assert_all_modes_match_tensorflow(
        dense_tanh_layer, [rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=3)]
    )


def test_derivative_of_square_at_three_is_six() -> None:
    x = Variable(3.0, "x")
    (derivative,) = gradients(x * x, [x])
    assert derivative.shape == ()
    assert derivative == 6.0
    assert directional_derivative(lambda dual: dual * dual, [3.0], [1.0]) == 6.0


def test_shared_subexpression_accumulates() -> None:
    values = np.array([0.3, -1.2, 2.0])
    x = Variable(values, "x")
    shared = x.sin()
    (gradient,) = gradients((shared * shared + shared).sum(), [x])
    expected = 2.0 * np.sin(values) * np.cos(values) + np.cos(values)
    np.testing.assert_allclose(gradient, expected, rtol=1e-14)
    (forward,) = forward_gradients(lambda dual: (dual.sin() * dual.sin() + dual.sin()).sum(), [values])
    np.testing.assert_allclose(forward, expected, rtol=1e-14)


def test_variable_outside_the_graph_gets_zero_gradient() -> None:
    x = Variable(np.array([1.0, 2.0]), "x")
    unused = Variable(np.ones((2, 3)), "unused")
    x_gradient, unused_gradient = gradients((x * x).sum(), [x, unused])
    np.testing.assert_array_equal(x_gradient, [2.0, 4.0])
    np.testing.assert_array_equal(unused_gradient, np.zeros((2, 3)))
    forward = forward_gradients(lambda a, b: (a * a).sum(), [np.array([1.0, 2.0]), np.ones((2, 3))])
    np.testing.assert_array_equal(forward[1], np.zeros((2, 3)))


def test_scalar_broadcast_gradient_is_summed() -> None:
    vector = np.array([0.5, -1.0, 2.5])
    scale = Variable(2.0, "scale")
    x = Variable(vector, "x")
    scale_gradient, x_gradient = gradients((scale * x - scale).sum(), [scale, x])
    assert scale_gradient.shape == ()
    assert scale_gradient == pytest.approx(vector.sum() - 3.0)
    np.testing.assert_array_equal(x_gradient, np.full(3, 2.0))


def test_constants_get_no_gradient_and_format_in_the_formula() -> None:
    weights = Variable(np.ones((2, 3)), "W")
    x = Variable(np.ones(3), "x")
    bias = Variable(np.zeros(2), "b")
    assert formula(dense_tanh_layer(ENGINE_OPERATIONS, weights, x, bias)) == "tanh(((W @ x) + b))"
    assert formula(2.0 * x.exp() - Constant(1.5)) == "((2 * exp(x)) - 1.5)"
    assert not (Constant(1.0) * Constant(2.0)).requires_gradient
    assert expression_formula(dense_tanh_layer, [np.ones((2, 3)), np.ones(3), np.zeros(2)]) == "tanh(((x0 @ x1) + x2))"


def test_directional_derivative_is_gradient_along_the_direction() -> None:
    rng = np.random.default_rng(6)
    inputs = [rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=3)]
    directions = [rng.normal(size=array.shape) for array in inputs]
    _, reverse = reverse_mode_value_and_gradients(dense_tanh_layer, inputs)
    along = directional_derivative(lambda *duals: dense_tanh_layer(DUAL_OPERATIONS, *duals).sum(), inputs, directions)
    expected = sum(float(np.sum(gradient * direction)) for gradient, direction in zip(reverse, directions, strict=True))
    assert along == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("value", [-1.0, 0.0])
def test_log_of_non_positive_raises(value: float) -> None:
    with pytest.raises(ValueError, match="log"):
        Variable(np.array([1.0, value]), "x").log()
    with pytest.raises(ValueError, match="log"):
        Dual(np.array([1.0, value]), np.zeros(2)).log()


@pytest.mark.parametrize(("left_shape", "right_shape"), [((2, 3), (2,)), ((2, 3), (2, 3)), ((2, 2, 2), (2,))])
def test_matmul_shape_mismatch_raises(left_shape: tuple[int, ...], right_shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="matmul"):
        Variable(np.ones(left_shape), "a") @ Variable(np.ones(right_shape), "b")
    with pytest.raises(ValueError, match="matmul"):
        Dual(np.ones(left_shape), np.zeros(left_shape)) @ Dual(np.ones(right_shape), np.zeros(right_shape))


def test_elementwise_shape_mismatch_and_division_by_zero_raise() -> None:
    with pytest.raises(ValueError, match="equal shapes or a scalar"):
        Variable(np.ones(2), "a") + Variable(np.ones(3), "b")
    with pytest.raises(ValueError, match="equal shapes or a scalar"):
        Dual(np.ones(2), np.zeros(2)) * np.ones(3)
    with pytest.raises(ValueError, match="division by zero"):
        Variable(1.0, "a") / Variable(np.array([1.0, 0.0]), "b")
    with pytest.raises(ValueError, match="value of shape"):
        Dual(np.ones(2), np.zeros(3))


def test_power_domain() -> None:
    negative = Variable(-2.0, "x")
    (derivative,) = gradients(negative**2, [negative])
    assert derivative == -4.0
    with pytest.raises(ValueError, match="positive"):
        negative**0.5
    with pytest.raises(ValueError, match="positive"):
        negative ** Variable(2.0, "y")
    with pytest.raises(ValueError, match="positive"):
        Dual(-2.0, 1.0) ** Dual(2.0, 0.0)
    exponent = Variable(1.5, "y")
    (exponent_derivative,) = gradients(2.0**exponent, [exponent])
    assert exponent_derivative == pytest.approx(np.log(2.0) * 2.0**1.5, rel=1e-15)


def test_gradients_rejects_bad_arguments() -> None:
    x = Variable(np.ones(3), "x")
    with pytest.raises(ValueError, match="scalar"):
        gradients(x * x, [x])
    with pytest.raises(ValueError, match="Variable"):
        gradients((x * x).sum(), [Constant(1.0)])
    with pytest.raises(ValueError, match="scalar"):
        directional_derivative(lambda dual: dual * dual, [np.ones(3)], [np.ones(3)])
    with pytest.raises(TypeError, match="cannot combine"):
        x + Dual(np.ones(3), np.zeros(3))


def test_tensorflow_namespace_is_float64() -> None:
    tensor = TENSORFLOW_OPERATIONS.matmul(np.ones((2, 3)), np.ones(3))
    assert tensor.dtype.name == "float64"
    assert tensor.shape == (2,)
