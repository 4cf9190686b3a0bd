"""The optimisers of a PINN: Adam steps, then a quasi-Newton method on the flat parameter vector.

Raissi et al. trained with L-BFGS alone. Here the schedule is Adam for `adam_steps`
(a rough fit from the random start, where quasi-Newton steps are wasted), then either
scipy's L-BFGS-B (the paper's optimiser) or full BFGS: scipy's dense inverse-Hessian
update (`scipy.optimize.BFGS`, O(n²) per step) with scipy's strong-Wolfe line search.
With ~3,000 weights the dense matrix is 73 MB and its update costs less than one loss
evaluation, while its curvature model is far better than L-BFGS's few pairs; see
README for the measured time-to-error curves.

Every `checkpoint_every` steps the whole state is written (`redes.pinn.checkpoint`),
and `optimize` continues from it when it finds one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.optimize
from threadpoolctl import threadpool_limits

from redes.pinn.checkpoint import TrainingState, load_state, save_state
from redes.pinn.objective import Objective
from redes.pinn.params import PinnOptimization
from redes.training import EXPLOSION_FACTOR, TrainingDiverged

# Extra columns for the history (rel_l2 against the reference, identified λ), from the current weights.
Monitor = Callable[[], dict[str, float]]


class _Clock:
    """Seconds of training, continuing the count of earlier, interrupted runs."""

    def __init__(self, already: float) -> None:
        self._start = time.perf_counter() - already

    def __call__(self) -> float:
        return time.perf_counter() - self._start


def _check_loss(terms: dict[str, float], phase: str, step: int, state: TrainingState) -> None:
    """Stop on a loss that is not finite or has exploded to `EXPLOSION_FACTOR` times the first one recorded."""
    total = sum(terms.values())
    first = state.history[0]["loss"] if state.history else None
    if math.isfinite(total) and (first is None or total <= EXPLOSION_FACTOR * first):
        return
    cause = (
        f"loss became {total}"
        if not math.isfinite(total)
        else f"loss exploded to {total:.3g} (over {EXPLOSION_FACTOR:g} times its first value, {first:.3g})"
    )
    raise TrainingDiverged(
        f"{cause} in {phase} step {step}: training stopped and nothing was saved. "
        "Lower the Adam learning rate or use float64 (pinn.*.network.dtype) and run the stage again."
    )


def optimize(
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
        _check_loss(objective.adam_step(), "Adam", state.step + 1, state)
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
        _check_loss(new_terms, "BFGS", state.step + 1, state)
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
        _check_loss(evaluate(intermediate_result.x)[0], "L-BFGS-B", state.step, state)
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
