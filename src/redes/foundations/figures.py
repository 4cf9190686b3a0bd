"""The figures of the foundations: convergence, the sigmoid, activations, checks, attention, GAN densities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from redes.figures import plt, save
from redes.foundations.activations import ACTIVATIONS, sigmoid, sigmoid_derivative
from redes.foundations.checks import Check
from redes.foundations.gan import GanResult
from redes.foundations.linear_checks import LinearRegressionResults
from redes.foundations.logistic_checks import LogisticRegressionResults
from redes.foundations.run import FoundationsResults


def linear_convergence_figure(results: LinearRegressionResults) -> Figure:
    """J(θ) against the optimum (left), and how far above it each solver stays (right, log-log)."""
    figure, (cost_axes, excess_axes) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    for name, costs in results.cost_histories.items():
        passes = np.arange(1, len(costs) + 1)
        cost_axes.plot(passes[:50], costs[:50], marker=".", label=name)
        # Round-off can put a converged J a hair below J*; those points drop out of the log plot.
        excess = (costs - results.optimal_cost) / results.optimal_cost
        excess_axes.plot(passes, np.where(excess > 0.0, excess, np.nan), label=name)
    cost_axes.axhline(results.optimal_cost, color="black", linestyle="--", linewidth=1, label="normal equations (19)")
    cost_axes.set(yscale="log", xlabel="passes over the training set", ylabel="J(θ)")
    excess_axes.set(xscale="log", yscale="log", xlabel="passes over the training set", ylabel="(J(θ) - J(θ*)) / J(θ*)")
    for axes in (cost_axes, excess_axes):
        axes.grid(alpha=0.3, which="both")
        axes.legend()
    return figure


def sigmoid_figure() -> Figure:
    z = np.linspace(-8.0, 8.0, 401)
    figure, axes = plt.subplots(figsize=(6, 4), layout="constrained")
    axes.plot(z, sigmoid(z), label="g(z) = 1 / (1 + e^{-z})")
    axes.plot(z, sigmoid_derivative(z), label="g'(z) = g(z)(1 - g(z))")
    axes.set(xlabel="z")
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def logistic_boundary_figure(results: LogisticRegressionResults) -> Figure:
    """The data in the first two (standardised) features and the boundary where θᵀx = 0.

    Further features are held at their mean, 0 after standardisation.
    """
    first, second = results.design[:, 1], results.design[:, 2]
    figure, axes = plt.subplots(figsize=(6, 5), layout="constrained")
    for label, name, marker in ((0, "malignant", "x"), (1, "benign", "o")):
        chosen = results.labels == label
        axes.scatter(first[chosen], second[chosen], s=12, marker=marker, alpha=0.6, label=name)
    theta = results.theta
    grid = np.linspace(first.min(), first.max(), 100)
    axes.plot(grid, -(theta[0] + theta[1] * grid) / theta[2], color="black", label="θᵀx = 0")
    axes.set(
        ylim=(second.min() - 0.5, second.max() + 0.5),
        xlabel=f"{results.features[0]} (standardised)",
        ylabel=f"{results.features[1]} (standardised)",
    )
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def activations_figure() -> Figure:
    z = np.linspace(-4.0, 4.0, 401)
    figure, (value_axes, derivative_axes) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for name, (function, derivative) in ACTIVATIONS.items():
        value_axes.plot(z, function(z), label=name)
        derivative_axes.plot(z, derivative(z), label=name)
    value_axes.set(xlabel="z", ylabel="g(z)", ylim=(-1.5, 4.0))
    derivative_axes.set(xlabel="z", ylabel="g'(z)")
    for axes in (value_axes, derivative_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    return figure


def checks_figure(checks: list[Check]) -> Figure:
    names = [check.name for check in checks]
    # log scale: an exact match (error 0) is drawn at the bottom of the axis.
    errors = np.array([max(check.max_rel_error, 1e-18) for check in checks])
    positions = np.arange(len(checks))
    figure, axes = plt.subplots(figsize=(8, 0.22 * len(checks) + 1.2), layout="constrained")
    colours = ["tab:blue" if check.passed else "tab:red" for check in checks]
    axes.barh(positions, errors, color=colours, left=1e-18)
    axes.scatter([check.tolerance for check in checks], positions, marker="|", s=120, color="black", label="tolerance")
    axes.set(xscale="log", xlim=(1e-18, 10.0), yticks=positions, xlabel="max relative error")
    axes.set_yticklabels(names, fontsize=7)
    axes.invert_yaxis()
    axes.grid(alpha=0.3, axis="x")
    axes.legend(loc="lower right")
    return figure


def attention_figure(weights: np.ndarray) -> Figure:
    heads = len(weights)
    figure, axes_row = plt.subplots(1, heads, figsize=(3.2 * heads, 3.4), layout="constrained", squeeze=False)
    for head, axes in enumerate(axes_row[0]):
        image = axes.imshow(weights[head], cmap="viridis", vmin=0.0, vmax=1.0)
        axes.set(title=f"head {head + 1}", xlabel="key position", ylabel="query position")
    figure.colorbar(image, ax=axes_row[0].tolist(), shrink=0.8, label="attention weight")
    return figure


def gan_figure(result: GanResult) -> Figure:
    """The densities before and after training (left), and both players' losses per generator step (right)."""
    figure, (density_axes, loss_axes) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    bins = np.linspace(result.density_grid.min(), result.density_grid.max(), 120)
    density_axes.plot(result.density_grid, result.target_density, color="black", label="target p(x)")
    for name, samples, distance, opacity in (
        ("untrained", result.untrained_samples, result.wasserstein_untrained, 0.4),
        ("trained", result.trained_samples, result.wasserstein_trained, 0.5),
    ):
        density_axes.hist(samples, bins=bins, density=True, alpha=opacity, label=f"{name} G (W1 = {distance:.3f})")
    density_axes.set(xlabel="x", ylabel="density")
    steps = np.arange(1, len(result.generator_losses) + 1)
    loss_axes.plot(steps, result.discriminator_losses, linewidth=0.5, label="D: -[log D(x) + log(1 - D(G(z)))]")
    loss_axes.plot(steps, result.generator_losses, linewidth=0.5, label=f"G ({result.generator_loss})")
    # At the game's equilibrium D(x) = 1/2 everywhere: D's loss is 2 log 2.
    loss_axes.axhline(2.0 * np.log(2.0), color="black", linestyle="--", linewidth=1, label="2 log 2")
    loss_axes.set(xlabel="generator step", ylabel="loss")
    for axes in (density_axes, loss_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    return figure


def write_figures(results: FoundationsResults, folder: Path) -> list[Path]:
    figures = {
        "linear_convergence.png": linear_convergence_figure(results.linear),
        "sigmoid.png": sigmoid_figure(),
        "logistic_boundary.png": logistic_boundary_figure(results.logistic),
        "activations.png": activations_figure(),
        "checks.png": checks_figure(results.checks),
        "attention_causal.png": attention_figure(results.causal_attention),
        "gan_densities.png": gan_figure(results.gan),
    }
    return [save(figure, folder / name) for name, figure in figures.items()]
