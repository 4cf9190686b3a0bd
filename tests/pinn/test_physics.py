"""The PINN's network and residual: autodiff residual on exact solutions, scaling, the loss terms."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from redes.pinn.physics import build_network, loss_terms, residual
from redes.pinn.sampling import TrainingPoints

NU = 0.05


def _exact_network(nu: float, a: float = 2.0) -> keras.Model:
    """u = 2νπ e^(−νπ²t) sin(πx) / (a + e^(−νπ²t) cos(πx)): Cole-Hopf of φ = a + e^(−νπ²t) cos(πx)."""

    def u(points):
        t, x = points[:, :1], points[:, 1:]
        decay = keras.ops.exp(-nu * np.pi**2 * t)
        return 2 * nu * np.pi * decay * keras.ops.sin(np.pi * x) / (a + decay * keras.ops.cos(np.pi * x))

    inputs = keras.Input((2,), dtype="float64")
    return keras.Model(inputs, keras.layers.Lambda(u, dtype="float64")(inputs))


@pytest.fixture
def points() -> tf.Tensor:
    rng = np.random.default_rng(0)
    return tf.constant(np.stack([rng.uniform(0, 1, 500), rng.uniform(-1, 1, 500)], axis=1))


def test_residual_vanishes_on_an_exact_solution(points: tf.Tensor) -> None:
    f = residual(_exact_network(NU), points, tf.constant(1.0, tf.float64), tf.constant(NU, tf.float64))
    assert f.shape == (500, 1)
    assert np.abs(f.numpy()).max() < 1e-13


def test_residual_sees_a_wrong_viscosity_and_a_wrong_lambda1(points: tf.Tensor) -> None:
    network = _exact_network(NU)
    one, nu = tf.constant(1.0, tf.float64), tf.constant(NU, tf.float64)
    assert np.abs(residual(network, points, one, 2 * nu).numpy()).max() > 1e-3
    assert np.abs(residual(network, points, 1.5 * one, nu).numpy()).max() > 1e-3


def test_residual_matches_hand_derivatives_of_a_polynomial(points: tf.Tensor) -> None:
    """u = t x³: u_t = x³, u_x = 3t x², u_xx = 6t x, so f = x³ + λ₁ t x³ · 3t x² − λ₂ 6t x."""
    inputs = keras.Input((2,), dtype="float64")
    network = keras.Model(inputs, keras.layers.Lambda(lambda p: p[:, :1] * p[:, 1:] ** 3, dtype="float64")(inputs))
    t, x = points.numpy()[:, :1], points.numpy()[:, 1:]
    expected = x**3 + 0.7 * (t * x**3) * (3 * t * x**2) - 0.2 * 6 * t * x
    f = residual(network, points, tf.constant(0.7, tf.float64), tf.constant(0.2, tf.float64))
    assert np.allclose(f.numpy(), expected, atol=1e-14)


def test_network_has_raissis_size_and_scales_the_domain_to_the_unit_square() -> None:
    network = build_network(9, 20, "tanh", "float64", (0.0, -1.0), (1.0, 1.0), seed=0)
    assert network.count_params() == 3021  # Raissi et al.'s 3,021 weights (Normalization's are constants)
    assert sum(int(np.prod(v.shape)) for v in network.trainable_variables) == 3021
    scaled = network.get_layer("scale")(tf.constant([[0.0, -1.0], [1.0, 1.0], [0.5, 0.0]], tf.float64))
    assert np.allclose(scaled.numpy(), [[-1, -1], [1, 1], [0, 0]])
    assert network.outputs[0].dtype == "float64"


def test_loss_terms_are_the_mean_squares_of_each_part() -> None:
    network = _exact_network(NU)
    points = TrainingPoints(
        collocation=np.array([[0.3, 0.2], [0.6, -0.4]]),
        initial=np.array([[0.0, 0.5]]),
        initial_u=np.array([1.0]),
        boundary=np.array([[0.4, 1.0], [0.8, -1.0]]),
        boundary_u=np.array([0.5, 0.0]),
    )
    terms = loss_terms(network, points, lambda: (1.0, NU))()
    assert set(terms) == {"residual", "initial", "boundary"}
    assert float(terms["residual"]) < 1e-26
    u_initial = network(tf.constant([[0.0, 0.5]], tf.float64)).numpy()[0, 0]
    assert float(terms["initial"]) == pytest.approx((u_initial - 1.0) ** 2)
    assert float(terms["boundary"]) == pytest.approx(0.5**2 / 2, abs=1e-12)  # u(t, ±1) = 0 exactly
