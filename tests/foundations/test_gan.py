"""The GAN of §3.16: its target mixture, Algorithm 1's losses and steps, a short training that learns, repeatability."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from scipy.stats import norm

from redes.foundations.activations import sigmoid
from redes.foundations.gan import (
    GanResult,
    MinimaxGan,
    density_grid,
    gan_check,
    mixture_pdf,
    sample_mixture,
    train_gan,
)
from redes.foundations.params import GanParams
from redes.sections import load_all_params
from tests.helpers import REPO_ROOT

# Three unequal components, so a mix-up of weights, means or stds shows in the moments.
WEIGHTS = (0.2, 0.5, 0.3)
MEANS = (-3.0, 0.0, 4.0)
STDS = (0.5, 1.0, 2.0)

PDF_TOLERANCE = 1e-12  # float64 round-off of a sum of three Gaussian densities
MOMENT_STANDARD_ERRORS = 5.0  # sample moments may miss the pdf's by this many standard errors
LOSS_TOLERANCE = 1e-5  # float32 train_step against a float64 recomputation from the same logits

# A short training (a few seconds) must at least halve W1: the untrained G puts its mass near 0,
# and a G that keeps only the heavier mode still has a ratio of about 0.6 or more.
TINY_MAX_RATIO = 0.5
TINY_TRAINING = {
    "mixture_weights": [0.3, 0.7],
    "mixture_means": [-2.0, 2.0],
    "mixture_stds": [0.5, 0.5],
    "generator_loss": "non_saturating",
    "latent_size": 8,
    "hidden_units": 64,
    "generator_steps": 1000,
    "discriminator_steps": 1,
    "batch_size": 128,
    "learning_rate": 1e-3,
    "evaluation_samples": 2000,
    "max_wasserstein_ratio": TINY_MAX_RATIO,
}
# k = 2 so that repeatability also covers splitting a batch into k minibatches.
REPEATED_TRAINING = {**TINY_TRAINING, "generator_steps": 150, "discriminator_steps": 2, "batch_size": 32}


def test_mixture_pdf_matches_scipy_normal_densities() -> None:
    x = np.linspace(-8.0, 12.0, 501)
    expected = sum(w * norm.pdf(x, loc=mu, scale=s) for w, mu, s in zip(WEIGHTS, MEANS, STDS, strict=True))
    np.testing.assert_allclose(mixture_pdf(x, WEIGHTS, MEANS, STDS), expected, rtol=PDF_TOLERANCE, atol=0.0)


def test_mixture_sampler_matches_pdf_moments() -> None:
    grid = np.linspace(-20.0, 24.0, 200_001)  # every component out to 10 standard deviations
    density = mixture_pdf(grid, WEIGHTS, MEANS, STDS)
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-9)
    mean = np.trapezoid(grid * density, grid)
    variance = np.trapezoid((grid - mean) ** 2 * density, grid)
    fourth_central_moment = np.trapezoid((grid - mean) ** 4 * density, grid)
    left = grid <= 0.0
    left_mass = np.trapezoid(density[left], grid[left])

    count = 400_000
    samples = sample_mixture(np.random.default_rng(0), count, WEIGHTS, MEANS, STDS)
    assert abs(samples.mean() - mean) <= MOMENT_STANDARD_ERRORS * math.sqrt(variance / count)
    variance_error = math.sqrt((fourth_central_moment - variance**2) / count)
    assert abs(samples.var() - variance) <= MOMENT_STANDARD_ERRORS * variance_error
    left_mass_error = math.sqrt(left_mass * (1.0 - left_mass) / count)
    assert abs(np.mean(samples <= 0.0) - left_mass) <= MOMENT_STANDARD_ERRORS * left_mass_error


def test_density_grid_spans_every_component() -> None:
    grid, density = density_grid(WEIGHTS, MEANS, STDS)
    assert grid[0] == pytest.approx(-3.0 - 4.0 * 0.5)
    assert grid[-1] == pytest.approx(4.0 + 4.0 * 2.0)
    np.testing.assert_array_equal(density, mixture_pdf(grid, WEIGHTS, MEANS, STDS))


def _small_gan(
    rng: np.random.Generator, discriminator_steps: int, generator_loss: str, iterations: int, m: int, latent: int
) -> tuple[MinimaxGan, dict[str, np.ndarray]]:
    """A two-layer G and D on random data shaped as train_gan feeds fit: one row per iteration."""
    generator = keras.Sequential(
        [keras.Input(shape=(latent,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    discriminator = keras.Sequential(
        [keras.Input(shape=(1,)), keras.layers.Dense(8, activation="leaky_relu"), keras.layers.Dense(1)]
    )
    for model in (generator, discriminator):
        model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in model.get_weights()])
    gan = MinimaxGan(generator, discriminator, discriminator_steps, generator_loss)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    k = discriminator_steps
    data = {
        "real": rng.normal(2.0, 0.5, size=(iterations, k, m, 1)).astype(np.float32),
        "discriminator_noise": rng.standard_normal((iterations, k, m, latent)).astype(np.float32),
        "generator_noise": rng.standard_normal((iterations, m, latent)).astype(np.float32),
    }
    return gan, data


def test_train_step_takes_k_discriminator_steps_per_generator_step() -> None:
    k, iterations = 3, 4
    gan, data = _small_gan(np.random.default_rng(0), k, "non_saturating", iterations, m=16, latent=2)
    gan.fit(data, batch_size=1, shuffle=False, verbose=0)
    assert int(gan.discriminator_optimizer.iterations) == k * iterations
    assert int(gan.generator_optimizer.iterations) == iterations


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
def test_train_step_losses_are_algorithm_1s(generator_loss: str) -> None:
    """The logged losses equal the paper's, recomputed in float64 from D's logits at the step they were taken."""
    gan, data = _small_gan(np.random.default_rng(1), 1, generator_loss, iterations=1, m=64, latent=2)
    generator, discriminator = gan.generator, gan.discriminator
    real_probability = sigmoid(np.asarray(discriminator(data["real"][0, 0]), dtype=np.float64))
    fake_probability = sigmoid(np.asarray(discriminator(generator(data["discriminator_noise"][0, 0]))))
    # The discriminator descends -[log D(x) + log(1 - D(G(z)))] with its weights before the step.
    expected_discriminator_loss = -np.mean(np.log(real_probability)) - np.mean(np.log(1.0 - fake_probability))
    initial_generator_weights = generator.get_weights()

    history = gan.fit(data, batch_size=1, shuffle=False, verbose=0).history

    # The generator step sees D after its update and G before its own; the G step leaves D alone.
    generator.set_weights(initial_generator_weights)
    probability = sigmoid(np.asarray(discriminator(generator(data["generator_noise"][0])), dtype=np.float64))
    if generator_loss == "minimax":
        expected_generator_loss = np.mean(np.log(1.0 - probability))
    else:
        expected_generator_loss = -np.mean(np.log(probability))
    assert history["discriminator_loss"][0] == pytest.approx(expected_discriminator_loss, rel=LOSS_TOLERANCE)
    assert history["generator_loss"][0] == pytest.approx(expected_generator_loss, rel=LOSS_TOLERANCE)


@pytest.fixture(scope="module")
def tiny_result() -> GanResult:
    return train_gan(GanParams(**TINY_TRAINING), seed=0)


def test_short_training_learns_both_modes(tiny_result: GanResult) -> None:
    steps, count = TINY_TRAINING["generator_steps"], TINY_TRAINING["evaluation_samples"]
    for samples in (tiny_result.target_samples, tiny_result.untrained_samples, tiny_result.trained_samples):
        assert samples.shape == (count,)
    assert tiny_result.discriminator_losses.shape == tiny_result.generator_losses.shape == (steps,)
    assert np.all(np.isfinite(tiny_result.discriminator_losses))
    assert np.all(np.isfinite(tiny_result.generator_losses))
    check = gan_check(tiny_result, max_ratio=TINY_MAX_RATIO)
    assert check.max_rel_error == pytest.approx(tiny_result.wasserstein_trained / tiny_result.wasserstein_untrained)
    assert check.passed, f"W1 ratio {check.max_rel_error:.3f} > {TINY_MAX_RATIO}"


def test_training_repeats_exactly() -> None:
    params = GanParams(**REPEATED_TRAINING)
    first, second = train_gan(params, seed=0), train_gan(params, seed=0)
    assert not np.array_equal(first.trained_samples, first.untrained_samples)  # training changed G
    for name in ("target_samples", "untrained_samples", "trained_samples", "discriminator_losses", "generator_losses"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name), err_msg=name)
    assert first.wasserstein_trained == second.wasserstein_trained


def _result(wasserstein_untrained: float, wasserstein_trained: float) -> GanResult:
    empty = np.empty(0)
    return GanResult("non_saturating", empty, empty, empty, wasserstein_untrained, wasserstein_trained, *[empty] * 4)


def test_gan_check_is_the_wasserstein_ratio() -> None:
    check = gan_check(_result(2.0, 0.2), max_ratio=0.15)
    assert (check.name, check.equation) == ("gan_minimax", "§3.16")
    assert check.reference == "target samples (scipy wasserstein_distance)"
    assert check.max_rel_error == pytest.approx(0.1)
    assert check.tolerance == 0.15
    assert check.passed
    assert not gan_check(_result(2.0, 0.4), max_ratio=0.15).passed
    with pytest.raises(ValueError, match="max_ratio must be positive"):
        gan_check(_result(2.0, 0.2), max_ratio=0.0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"mixture_weights": [0.3, 0.6]}, "sum to 1"),
        ({"mixture_weights": [-0.5, 1.5]}, "mixture_weights"),
        ({"mixture_means": [-2.0, 0.0, 2.0]}, "same length"),
        ({"mixture_stds": [0.5, 0.0]}, "mixture_stds"),
        ({"discriminator_steps": 0}, "discriminator_steps"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": -1e-3}, "learning_rate"),
        ({"generator_loss": "wasserstein"}, "generator_loss"),
    ],
)
def test_bad_params_are_rejected_before_training(arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GanParams(**{**TINY_TRAINING, **arguments})


def test_mixture_functions_reject_bad_mixtures() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        mixture_pdf(np.zeros(3), (0.5, 0.6), (0.0, 1.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="non-empty"):
        sample_mixture(np.random.default_rng(0), 10, (), (), ())
    with pytest.raises(ValueError, match="sample count"):
        sample_mixture(np.random.default_rng(0), -1, WEIGHTS, MEANS, STDS)


@pytest.mark.slow
def test_default_training_passes_the_check() -> None:
    """The foundations stage's GAN at the params.yaml sizes learns both modes (about 20 s)."""
    params = load_all_params(REPO_ROOT / "params.yaml")
    gan = params.foundations.gan
    check = gan_check(train_gan(gan, params.base.seed), gan.max_wasserstein_ratio)
    assert check.passed, f"W1 ratio {check.max_rel_error:.3f} > {check.tolerance}"
