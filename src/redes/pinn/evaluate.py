"""Scoring the PINNs against the reference solution, and their figures.

The forward problem's error is Raissi et al.'s: ‖u − u_ref‖₂ / ‖u_ref‖₂ over the whole
256 × 100 grid. The inverse problem's is the relative error of each identified
coefficient (λ₁ = 1, λ₂ = ν). A network no closer to the reference than u = 0 (relative L2
of 1) learnt nothing and is not published.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from redes import figures
from redes.errors import RedesError
from redes.pinn.physics import predict
from redes.pinn.reference import BurgersProblem, Solution, relative_l2
from redes.pinn.sampling import TrainingPoints
from redes.pinn.train import TrainedPinn

SLICE_TIMES = (0.25, 0.50, 0.75)
TITLES = {
    "forward": "forward problem",
    "inverse_clean": "inverse problem, clean data",
    "inverse_noisy": "inverse problem, noisy data",
}


def evaluate_case(
    case: str, trained: TrainedPinn, problem: BurgersProblem, reference: Solution, scored_against: str, out_dir: Path
) -> tuple[dict[str, float], list[Path]]:
    """One trained case (of `PINN_CASES`) on the reference grid: its metrics, and its field, slices and loss figures."""
    grid, _ = reference.points()
    predicted = predict(trained.network, grid).reshape(reference.u.shape)
    if case == "forward":
        result = forward_metrics(predicted, reference, trained.seconds)
    else:
        result = inverse_metrics(trained.lambdas, problem, predicted, reference, trained.seconds)
    require_better_than_zero(case, result["rel_l2"])
    title = f"Burgers PINN, {TITLES[case]} (vs {scored_against})"
    figure_paths = [
        figures.save(field_figure(predicted, reference, trained.points, title), out_dir / f"{case}_field.png"),
        figures.save(slices_figure(predicted, reference, title), out_dir / f"{case}_slices.png"),
        figures.save(loss_curves_figure(trained.history, title), out_dir / f"{case}_loss.png"),
    ]
    return result, figure_paths


def require_better_than_zero(case: str, rel_l2: float) -> None:
    """Raise, naming both numbers, if the network's field is no closer to the reference than u = 0."""
    if not rel_l2 < 1.0:  # also catches NaN
        raise RedesError(
            f"PINN {case}: relative L2 error {rel_l2:.4g} is no better than u = 0 (1), so it is not published. "
            "Its training diverged or did not learn: lower the Adam learning rate (pinn.*.optimization) "
            "and run `dvc repro`."
        )


def forward_metrics(predicted: np.ndarray, reference: Solution, train_seconds: float) -> dict[str, float]:
    """Relative L2 and max |error| over the grid; `predicted` is u on the grid, shaped like reference.u."""
    return {
        "rel_l2": relative_l2(predicted, reference.u),
        "max_abs_error": float(np.max(np.abs(predicted - reference.u))),
        "train_seconds": train_seconds,
    }


def inverse_metrics(
    lambdas: tuple[float, float], problem: BurgersProblem, predicted: np.ndarray, reference: Solution, seconds: float
) -> dict[str, float]:
    """Identified λ₁, λ₂, their relative errors against 1 and ν, and the fitted field's relative L2."""
    lambda1, lambda2 = lambdas
    return {
        "lambda1": lambda1,
        "lambda2": lambda2,
        "lambda1_rel_error": abs(lambda1 - 1.0),
        "lambda2_rel_error": abs(lambda2 - problem.viscosity) / problem.viscosity,
        "rel_l2": relative_l2(predicted, reference.u),
        "train_seconds": seconds,
    }


def time_to_error(history: pd.DataFrame, threshold: float) -> float | None:
    """Training seconds at the first recorded step with rel_l2 ≤ threshold (None if never)."""
    reached = history[history["rel_l2"] <= threshold]
    return None if reached.empty else float(reached["seconds"].iloc[0])


def _heatmap(axes, field: np.ndarray, solution: Solution, title: str, cmap: str, points: TrainingPoints) -> None:
    extent = (solution.t[0], solution.t[-1], solution.x[0], solution.x[-1])
    image = axes.imshow(field, origin="lower", aspect="auto", extent=extent, cmap=cmap, interpolation="nearest")
    plt.colorbar(image, ax=axes)
    for where, marker, label in (
        (points.initial, "x", "initial"),
        (points.boundary, "+", "boundary"),
        (points.data, ".", "data"),
    ):
        if where is not None and len(where):
            axes.plot(where[:, 0], where[:, 1], marker, color="black", markersize=3, clip_on=False, label=label)
    axes.set_xlabel("t")
    axes.set_ylabel("x")
    axes.set_title(title)


def field_figure(predicted: np.ndarray, reference: Solution, points: TrainingPoints, title: str) -> Figure:
    """Predicted u, reference u and |error| over (t, x), the training points (not collocation) overlaid."""
    figure, axes = plt.subplots(3, 1, figsize=(9, 9), layout="constrained")
    _heatmap(axes[0], predicted, reference, "PINN u(t, x)", "rainbow", points)
    _heatmap(axes[1], reference.u, reference, "reference u(t, x)", "rainbow", points)
    _heatmap(axes[2], np.abs(predicted - reference.u), reference, "|PINN − reference|", "viridis", points)
    axes[0].legend(loc="upper right", fontsize=8)
    figure.suptitle(title)
    return figure


def slices_figure(
    predicted: np.ndarray, reference: Solution, title: str, times: Sequence[float] = SLICE_TIMES
) -> Figure:
    """u(t, x) against x at the grid times nearest `times`: reference and PINN."""
    figure, axes = plt.subplots(1, len(times), figsize=(4 * len(times), 3.6), layout="constrained", sharey=True)
    for ax, time in zip(np.atleast_1d(axes), times, strict=True):
        column = int(np.argmin(np.abs(reference.t - time)))
        ax.plot(reference.x, reference.u[:, column], color="C0", linewidth=3, label="reference")
        ax.plot(reference.x, predicted[:, column], "--", color="C3", linewidth=2, label="PINN")
        ax.set_title(f"t = {reference.t[column]:.2f}")
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("u(t, x)")
    np.atleast_1d(axes)[0].legend()
    figure.suptitle(title)
    return figure


def loss_curves_figure(history: pd.DataFrame, title: str) -> Figure:
    """Each loss term (residual, initial, boundary or data) and rel_l2 against iteration, log scale."""
    figure, (loss_axes, error_axes) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for name in ("loss", "residual", "initial", "boundary", "data"):
        if name in history:
            style = {"color": "black", "linewidth": 2} if name == "loss" else {}
            loss_axes.plot(history["iteration"], history[name], label=name, **style)
    error_axes.plot(history["seconds"], history["rel_l2"], color="C3")
    adam = history.loc[history["phase"] == "adam", "iteration"]
    if not adam.empty and (history["phase"] == "quasi_newton").any():
        loss_axes.axvline(adam.max(), color="gray", linestyle=":", label="Adam → quasi-Newton")
    loss_axes.set(xlabel="iteration", ylabel="mean squared term", yscale="log", title="loss terms")
    error_axes.set(xlabel="training seconds", ylabel="relative L2 error", yscale="log", title="error on the grid")
    for axes in (loss_axes, error_axes):
        axes.grid(alpha=0.3, which="both")
    loss_axes.legend(fontsize=8)
    figure.suptitle(title)
    return figure


def lambda_curves_figure(histories: dict[str, pd.DataFrame], problem: BurgersProblem, title: str) -> Figure:
    """Identified λ₁ and λ₂ against iteration for each inverse case, with their true values."""
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for index, (name, history) in enumerate(histories.items()):
        axes[0].plot(history["iteration"], history["lambda1"], color=f"C{index}", label=name)
        axes[1].plot(history["iteration"], history["lambda2"], color=f"C{index}", label=name)
    axes[0].axhline(1.0, color="black", linestyle=":", label="true λ₁ = 1")
    axes[1].axhline(problem.viscosity, color="black", linestyle=":", label=f"true λ₂ = ν = {problem.viscosity:.5f}")
    axes[0].set(xlabel="iteration", ylabel="λ₁")
    axes[1].set(xlabel="iteration", ylabel="λ₂")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle(title)
    return figure
