"""Training a PINN on Burgers' equation: the forward and inverse problems, and the trained result.

Each problem chooses its points, builds the network and its loss terms, and hands
them to `redes.pinn.optimize`, which checkpoints as it goes: a training called again
with the same `checkpoint_dir` resumes where the last backup was.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from redes.files import read_csv, read_json, write_csv, write_json
from redes.pinn.objective import Objective
from redes.pinn.optimize import optimize
from redes.pinn.params import PinnForward, PinnInverse, PinnNetwork
from redes.pinn.physics import UnknownCoefficients, build_network, loss_terms, predict
from redes.pinn.reference import BurgersProblem, Solution, relative_l2
from redes.pinn.sampling import TrainingPoints, forward_points, inverse_points
from redes.training import load_model, save_model


@dataclass(frozen=True)
class TrainedPinn:
    """A trained PINN, as `save_trained` writes it and the evaluation reads it back."""

    network: keras.Model
    points: TrainingPoints
    history: pd.DataFrame
    seconds: float  # training time, over every resume
    stop_reason: str  # empty when every step ran
    lambdas: tuple[float, float] | None = None  # identified (λ₁, λ₂) of the inverse problem


def _network(params: PinnNetwork, problem: BurgersProblem, seed: int) -> keras.Model:
    lower, upper = (problem.t_min, problem.x_min), (problem.t_max, problem.x_max)
    return build_network(params.layers, params.width, params.activation, params.dtype, lower, upper, seed)


def train_forward(
    problem: BurgersProblem,
    reference: Solution,
    params: PinnForward,
    seed: int,
    *,
    checkpoint_dir: Path,
    log: Callable[[str], None] = print,
    time_limit: float = math.inf,
) -> TrainedPinn:
    """Solve the problem: fit the initial/boundary points and make the residual vanish at the collocation points.

    The history's `rel_l2` is the error against `reference` at each recorded step.
    """
    points = forward_points(problem, reference, params.initial_boundary_points, params.collocation_points, seed)
    network = _network(params.network, problem, seed)
    terms = loss_terms(network, points, lambda: (1.0, problem.viscosity))
    objective = Objective(
        network.trainable_variables,
        terms,
        learning_rate=params.optimization.adam_learning_rate,
        jit_compile=params.optimization.jit_compile,
    )
    grid, u_reference = reference.points()
    history, state = optimize(
        objective,
        params.optimization,
        checkpoint_dir=checkpoint_dir,
        monitor=lambda: {"rel_l2": relative_l2(predict(network, grid), u_reference)},
        log=log,
        time_limit=time_limit,
    )
    return TrainedPinn(network, points, history, state.seconds, state.stop_reason)


def train_inverse(
    problem: BurgersProblem,
    reference: Solution,
    params: PinnInverse,
    noise: float,
    seed: int,
    *,
    checkpoint_dir: Path,
    log: Callable[[str], None] = print,
) -> TrainedPinn:
    """Identify λ₁, λ₂ from `params.data_points` values of `reference` with `noise` (fraction of u's std)."""
    points = inverse_points(reference, params.data_points, noise, seed)
    network = _network(params.network, problem, seed)
    unknowns = UnknownCoefficients(params.network.dtype)
    objective = Objective(
        [*network.trainable_variables, *unknowns.variables],
        loss_terms(network, points, unknowns),
        learning_rate=params.optimization.adam_learning_rate,
        jit_compile=params.optimization.jit_compile,
    )
    grid, u_reference = reference.points()

    def monitor() -> dict[str, float]:
        lambda1, lambda2 = unknowns.values()
        return {"lambda1": lambda1, "lambda2": lambda2, "rel_l2": relative_l2(predict(network, grid), u_reference)}

    history, state = optimize(objective, params.optimization, checkpoint_dir=checkpoint_dir, monitor=monitor, log=log)
    lambdas = unknowns.values()
    return TrainedPinn(network, points, history, state.seconds, state.stop_reason, lambdas)


def history_plot(history: pd.DataFrame) -> pd.DataFrame:
    """The history for `dvc plots`: iteration and log10 of each loss term (they span seven decades)."""
    terms = [name for name in ("loss", "residual", "initial", "boundary", "data", "rel_l2") if name in history]
    table = pd.DataFrame({"iteration": history["iteration"], "seconds": history["seconds"]})
    for name in terms:
        table[f"log10_{name}"] = np.log10(history[name].clip(lower=1e-300))
    return table


def save_trained(trained: TrainedPinn, directory: Path, run_id: str) -> None:
    """network.keras, points.npz, history.csv and summary.json (time, stop reason, λ, MLflow run) in `directory`."""
    save_model(trained.network, directory / "network.keras")
    trained.points.save(directory / "points.npz")
    write_csv(trained.history, directory / "history.csv")
    summary: dict[str, Any] = {"train_seconds": trained.seconds, "stop_reason": trained.stop_reason, "run_id": run_id}
    if trained.lambdas is not None:
        summary["lambda1"], summary["lambda2"] = trained.lambdas
    write_json(directory / "summary.json", summary)


def load_trained(directory: Path) -> tuple[TrainedPinn, str]:
    """A PINN saved by `save_trained`, and its MLflow run id."""
    summary = read_json(directory / "summary.json")
    lambdas = (summary["lambda1"], summary["lambda2"]) if "lambda1" in summary else None
    trained = TrainedPinn(
        network=load_model(directory / "network.keras"),
        points=TrainingPoints.load(directory / "points.npz"),
        history=read_csv(directory / "history.csv"),
        seconds=summary["train_seconds"],
        stop_reason=summary["stop_reason"],
        lambdas=lambdas,
    )
    return trained, summary["run_id"]
