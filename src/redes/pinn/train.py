"""Training a PINN: Adam steps, then a quasi-Newton method on the flat parameter vector.

Raissi et al. trained with L-BFGS alone. Here the schedule is Adam for `adam_steps`
(a rough fit from the random start, where quasi-Newton steps are wasted), then either
scipy's L-BFGS-B (the paper's optimiser) or full BFGS: scipy's dense inverse-Hessian
update (`scipy.optimize.BFGS`, O(n²) per step) with scipy's strong-Wolfe line search.
With ~3,000 weights the dense matrix is 73 MB and its update costs less than one loss
evaluation, while its curvature model is far better than L-BFGS's few pairs; see
README for the measured time-to-error curves.

Every `checkpoint_every` steps the whole state (weights, Adam's moments or BFGS's
matrix, the history so far, the seconds spent) is written atomically, so a killed
stage resumes where it was. L-BFGS-B's memory lives inside scipy and is rebuilt from
the saved weights on resume.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
import scipy.optimize
from threadpoolctl import threadpool_limits

from redes.files import read_csv, read_json, write_csv, write_json
from redes.pinn.objective import Objective
from redes.pinn.params import PinnForward, PinnInverse, PinnNetwork, PinnOptimization
from redes.pinn.physics import UnknownCoefficients, build_network, loss_terms, predict
from redes.pinn.reference import BurgersProblem, Solution, relative_l2
from redes.pinn.sampling import TrainingPoints, forward_points, inverse_points
from redes.training import TrainingDiverged, load_model, save_model

# Extra columns for the history (rel_l2 against the reference, identified λ), from the current weights.
Monitor = Callable[[], dict[str, float]]


@dataclass
class TrainingState:
    """Everything needed to continue a training: saved by `save_state`, read by `load_state`."""

    phase: str = "adam"  # adam → quasi_newton → done
    step: int = 0  # steps done in the current phase
    seconds: float = 0.0  # training time so far, over every resume
    weights: np.ndarray | None = None
    adam: list[np.ndarray] = field(default_factory=list)
    inverse_hessian: np.ndarray | None = None
    loss: float | None = None  # BFGS: the loss before the last step
    history: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = ""


def save_state(state: TrainingState, directory: Path) -> None:
    """Write the state next to the old one, then swap: a kill mid-write leaves the old state intact."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {"weights": state.weights} | {f"adam_{i}": value for i, value in enumerate(state.adam)}
    if state.inverse_hessian is not None:
        arrays["inverse_hessian"] = state.inverse_hessian
    with open(directory / "arrays.tmp.npz", "wb") as file:
        np.savez(file, **arrays)
    write_json(
        directory / "state.tmp.json",
        {
            "phase": state.phase,
            "step": state.step,
            "seconds": state.seconds,
            "loss": state.loss,
            "adam_variables": len(state.adam),
            "history": state.history,
            "stop_reason": state.stop_reason,
        },
    )
    (directory / "arrays.tmp.npz").replace(directory / "arrays.npz")
    (directory / "state.tmp.json").replace(directory / "state.json")


def load_state(directory: Path) -> TrainingState | None:
    """The state saved in `directory`, or None when there is none (or only a half-written one)."""
    try:
        record = read_json(directory / "state.json")
        with np.load(directory / "arrays.npz") as arrays:
            loaded = {name: arrays[name] for name in arrays.files}
    except Exception:
        return None
    return TrainingState(
        phase=record["phase"],
        step=record["step"],
        seconds=record["seconds"],
        weights=loaded["weights"],
        adam=[loaded[f"adam_{i}"] for i in range(record["adam_variables"])],
        inverse_hessian=loaded.get("inverse_hessian"),
        loss=record["loss"],
        history=record["history"],
        stop_reason=record["stop_reason"],
    )


class _Clock:
    """Seconds of training, continuing the count of earlier, interrupted runs."""

    def __init__(self, already: float) -> None:
        self._start = time.perf_counter() - already

    def __call__(self) -> float:
        return time.perf_counter() - self._start


def _check_finite(terms: dict[str, float], phase: str, step: int) -> None:
    total = sum(terms.values())
    if not math.isfinite(total):
        raise TrainingDiverged(
            f"loss became {total} in {phase} step {step}: training stopped and nothing was saved. "
            "Lower the Adam learning rate or use float64 (pinn.*.network.dtype) and run the stage again."
        )


def train(
    objective: Objective,
    optimization: PinnOptimization,
    *,
    checkpoint_dir: Path,
    monitor: Monitor = dict,
    log: Callable[[str], None] = print,
    time_limit: float = math.inf,
) -> tuple[pd.DataFrame, TrainingState]:
    """Adam, then the quasi-Newton phase; resumes from the state saved in `checkpoint_dir`.

    Returns the history (one row every `record_every` steps and at each phase's end:
    phase, step, seconds, loss, every loss term, and the monitor's columns) and the
    final state (its `seconds` is the training time over every resume). The
    quasi-Newton phase also ends after `time_limit` seconds of training (benchmarks
    give a slow recipe the same budget as ours).
    """
    state = load_state(checkpoint_dir)
    if state is not None and state.weights.size != objective.size:
        log(f"the backup in {checkpoint_dir} is of another network; training starts over")
        state = None
    if state is None:
        state = TrainingState(weights=objective.get_flat())
    else:
        log(f"resuming from {checkpoint_dir}: {state.phase} step {state.step}, {state.seconds:.0f} s in")
        objective.set_flat(state.weights)
    clock = _Clock(state.seconds)

    def record(terms: dict[str, float]) -> None:
        if state.history and (state.history[-1]["phase"], state.history[-1]["step"]) == (state.phase, state.step):
            return  # the last step of a phase may also be a recorded one
        iteration = state.step + (optimization.adam_steps if state.phase == "quasi_newton" else 0)
        row = {
            "phase": state.phase,
            "step": state.step,
            "iteration": iteration,  # Adam steps and quasi-Newton steps counted together
            "seconds": clock(),
            "loss": sum(terms.values()),
        }
        row |= terms | monitor()
        state.history.append(row)
        log(
            ", ".join(
                f"{key} {value:.4g}" if isinstance(value, float) else f"{key} {value}" for key, value in row.items()
            )
        )

    def checkpoint() -> None:
        state.seconds = clock()
        save_state(state, checkpoint_dir)

    # scipy's dense BFGS update and the line search run in NumPy: one BLAS thread leaves
    # the cores to TensorFlow (two thread pools competing halve the speed on 2 cores).
    with threadpool_limits(limits=1, user_api="blas"):
        if state.phase == "adam":
            _adam(objective, optimization, state, record, checkpoint)
            state.phase, state.step = "quasi_newton", 0
            checkpoint()
        if state.phase == "quasi_newton":
            run = _bfgs if optimization.quasi_newton == "bfgs" else _lbfgsb
            run(objective, optimization, state, record, checkpoint, lambda: clock() > time_limit)
            state.phase = "done"
    state.seconds = clock()
    state.weights = objective.get_flat()
    return pd.DataFrame(state.history), state


def _adam(objective: Objective, optimization: PinnOptimization, state: TrainingState, record, checkpoint) -> None:
    if state.adam:
        objective.restore_optimizer_state(state.adam)
    if state.step == 0:
        record(objective.terms())
    while state.step < optimization.adam_steps:
        _check_finite(objective.adam_step(), "Adam", state.step + 1)
        state.step += 1
        if state.step % optimization.record_every == 0 or state.step == optimization.adam_steps:
            record(objective.terms())
        if state.step % optimization.checkpoint_every == 0:
            state.weights, state.adam = objective.get_flat(), objective.optimizer_state()
            checkpoint()
    state.weights = objective.get_flat()


class _Evaluations:
    """Loss and gradient at a point, computed once even when scipy asks for them separately."""

    def __init__(self, objective: Objective) -> None:
        self._objective = objective
        self._key: bytes | None = None

    def __call__(self, flat: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
        key = flat.tobytes()
        if key != self._key:
            self._key, self._value = key, self._objective.value_and_gradient(flat)
        return self._value

    def loss(self, flat: np.ndarray) -> float:
        return sum(self(flat)[0].values())

    def gradient(self, flat: np.ndarray) -> np.ndarray:
        return self(flat)[1]


def _fresh_inverse_hessian(size: int) -> scipy.optimize.BFGS:
    hessian = scipy.optimize.BFGS(exception_strategy="skip_update")
    hessian.initialize(size, "inv_hess")
    return hessian


def _first_step_guess(terms: dict[str, float], gradient: np.ndarray) -> float:
    return sum(terms.values()) + float(np.linalg.norm(gradient)) / 2


def _bfgs(
    objective: Objective, optimization: PinnOptimization, state: TrainingState, record, checkpoint, out_of_time
) -> None:
    """BFGS with scipy's O(n²) inverse-Hessian update and strong-Wolfe line search."""
    evaluate = _Evaluations(objective)
    hessian = _fresh_inverse_hessian(objective.size)
    if state.inverse_hessian is not None:
        hessian.H, hessian.first_iteration = state.inverse_hessian, False
    weights = state.weights
    terms, gradient = evaluate(weights)
    # The line search's first trial step follows from the last decrease; with a fresh
    # matrix, pretend one of ‖g‖/2, so the first step moves the weights by about 1 (as scipy's BFGS does).
    previous_loss = state.loss if state.inverse_hessian is not None else _first_step_guess(terms, gradient)
    resets = 0
    while state.step < optimization.quasi_newton_steps:
        if out_of_time():
            state.stop_reason = f"time limit reached at step {state.step}"
            break
        loss = sum(terms.values())
        direction = -hessian.dot(gradient)
        step_size, *_ = scipy.optimize.line_search(
            evaluate.loss, evaluate.gradient, weights, direction, gradient, loss, previous_loss, maxiter=20
        )
        if step_size is None:
            # The curvature model went stale: start it over once; failing again means no
            # further decrease is representable in floating point.
            if resets == 1:
                state.stop_reason = f"line search found no decrease after a fresh start at step {state.step}"
                break
            hessian, resets = _fresh_inverse_hessian(objective.size), 1
            previous_loss = _first_step_guess(terms, gradient)
            continue
        resets = 0
        new_weights = weights + step_size * direction
        new_terms, new_gradient = evaluate(new_weights)
        _check_finite(new_terms, "BFGS", state.step + 1)
        hessian.update(new_weights - weights, new_gradient - gradient)
        previous_loss, weights, terms, gradient = loss, new_weights, new_terms, new_gradient
        state.step += 1
        if state.step % optimization.record_every == 0:
            objective.set_flat(weights)
            record(terms)
        if state.step % optimization.checkpoint_every == 0:
            state.weights, state.inverse_hessian = weights, hessian.H
            state.loss = previous_loss
            checkpoint()
    objective.set_flat(weights)
    state.weights = weights
    record(terms)


def _lbfgsb(
    objective: Objective, optimization: PinnOptimization, state: TrainingState, record, checkpoint, out_of_time
) -> None:
    """scipy's L-BFGS-B with Raissi et al.'s settings (50 pairs, 50 line-search steps), tolerances at zero.

    Their ftol of machine epsilon is relative to max(|f|, 1): with losses below 1e-5 it
    stops early; zero tolerances leave the step count (or a failed line search) to end it.
    """
    evaluate = _Evaluations(objective)

    def callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        state.step += 1
        if state.step % optimization.record_every == 0:
            objective.set_flat(intermediate_result.x)
            record(evaluate(intermediate_result.x)[0])
        if state.step % optimization.checkpoint_every == 0:
            state.weights = intermediate_result.x
            checkpoint()
        _check_finite(evaluate(intermediate_result.x)[0], "L-BFGS-B", state.step)
        if out_of_time():
            state.stop_reason = f"time limit reached at step {state.step}"
            raise StopIteration  # scipy ends the minimisation and returns the current point

    result = scipy.optimize.minimize(
        lambda flat: (evaluate.loss(flat), evaluate.gradient(flat)),
        state.weights,
        jac=True,
        method="L-BFGS-B",
        callback=callback,
        options={
            "maxiter": max(optimization.quasi_newton_steps - state.step, 1),
            "maxfun": 10**9,
            "maxcor": 50,
            "maxls": 50,
            "ftol": 0.0,
            "gtol": 0.0,
        },
    )
    if state.step < optimization.quasi_newton_steps and not state.stop_reason:
        state.stop_reason = f"L-BFGS-B stopped at step {state.step}: {result.message}"
    objective.set_flat(result.x)
    state.weights = result.x
    record(evaluate(result.x)[0])


@dataclass(frozen=True)
class TrainedPinn:
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
    history, state = train(
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

    history, state = train(objective, params.optimization, checkpoint_dir=checkpoint_dir, monitor=monitor, log=log)
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
