"""PINN training on tiny problems: every loss term falls, the inverse problem moves λ, resume is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redes.pinn.objective import Objective
from redes.pinn.optimize import optimize
from redes.pinn.params import PinnForward, PinnInverse
from redes.pinn.physics import build_network, loss_terms
from redes.pinn.reference import BurgersProblem, Solution, cole_hopf, evaluation_grid
from redes.pinn.sampling import TrainingPoints
from redes.pinn.train import history_plot, load_trained, save_trained, train_forward, train_inverse
from redes.training import TrainingDiverged

PROBLEM = BurgersProblem(0.05, 1.0, 1, -1.0, 1.0, 0.0, 1.0)
NETWORK = {"layers": 3, "width": 10, "activation": "tanh", "dtype": "float64"}


def _optimization(**changes) -> dict:
    settings = {
        "adam_steps": 40,
        "adam_learning_rate": 0.01,
        "quasi_newton": "bfgs",
        "quasi_newton_steps": 40,
        "record_every": 10,
        "checkpoint_every": 10,
        "jit_compile": False,
    }
    return settings | changes


@pytest.fixture(scope="module")
def reference() -> Solution:
    x, t = evaluation_grid(PROBLEM, 33, 10)
    return cole_hopf(PROBLEM, x, t, 100)


def _forward(**changes) -> PinnForward:
    return PinnForward(
        initial_boundary_points=30, collocation_points=150, network=NETWORK, optimization=_optimization(**changes)
    )


@pytest.mark.parametrize("quasi_newton", ["bfgs", "l-bfgs-b"])
def test_short_training_lowers_every_loss_term(reference: Solution, tmp_path: Path, quasi_newton: str) -> None:
    trained = train_forward(
        PROBLEM, reference, _forward(quasi_newton=quasi_newton), seed=0, checkpoint_dir=tmp_path, log=lambda _: None
    )
    history = trained.history
    first, last = history.iloc[0], history.iloc[-1]
    for term in ("residual", "initial", "boundary", "rel_l2"):
        assert last[term] < first[term], (term, first[term], last[term])
    assert last["loss"] < 0.25 * first["loss"] and last["rel_l2"] < 0.5 * first["rel_l2"]
    assert list(history["phase"].unique()) == ["adam", "quasi_newton"]
    assert history["iteration"].is_monotonic_increasing and last["iteration"] == 80
    assert trained.seconds > 0 and trained.stop_reason == ""
    plot = history_plot(history)
    assert np.allclose(10 ** plot["log10_residual"], history["residual"])


def test_inverse_training_moves_both_coefficients_towards_the_truth(reference: Solution, tmp_path: Path) -> None:
    params = PinnInverse(
        data_points=200,
        noise={"clean": 0.0, "noisy": 0.01},
        network=NETWORK,
        optimization=_optimization(quasi_newton_steps=400, jit_compile=True),
    )
    trained = train_inverse(PROBLEM, reference, params, 0.0, seed=0, checkpoint_dir=tmp_path, log=lambda _: None)
    lambda1, lambda2 = trained.lambdas
    assert abs(lambda1 - 1.0) < 0.25 and abs(lambda2 - 0.05) < 0.25 * 0.05  # both start at 0
    first, last = trained.history.iloc[0], trained.history.iloc[-1]
    assert last["data"] < 0.1 * first["data"] and last["residual"] < first["residual"]
    assert (trained.history["lambda1"].iloc[-1], trained.history["lambda2"].iloc[-1]) == trained.lambdas
    save_trained(trained, tmp_path / "saved", "run-id")
    loaded, run_id = load_trained(tmp_path / "saved")
    assert run_id == "run-id" and loaded.lambdas == trained.lambdas
    grid = reference.points()[0][:50]
    assert np.array_equal(loaded.network(grid).numpy(), trained.network(grid).numpy())


class _Interrupted(Exception):
    pass


def test_an_interrupted_training_resumes_where_its_last_backup_was(reference: Solution, tmp_path: Path) -> None:
    """Killed in the BFGS phase, then rerun: the same weights and history as an uninterrupted run."""
    params = _forward(checkpoint_every=10)

    def run(checkpoint_dir: Path, monitor=dict):
        network = build_network(3, 10, "tanh", "float64", (0.0, -1.0), (1.0, 1.0), seed=0)
        points = TrainingPoints(
            collocation=reference.points()[0][::3],
            initial=np.stack([np.zeros_like(reference.x), reference.x], axis=1),
            initial_u=PROBLEM.initial_condition(reference.x),
        )
        objective = Objective(
            network.trainable_variables,
            loss_terms(network, points, lambda: (1.0, 0.05)),
            learning_rate=0.01,
            jit_compile=False,
        )
        history, state = optimize(objective, params.optimization, checkpoint_dir=checkpoint_dir, monitor=monitor)
        return history, state

    whole, whole_state = run(tmp_path / "whole")
    calls = []

    def crash_in_bfgs() -> dict:
        calls.append(1)
        if len(calls) == 8:  # rows: Adam 0, 10, 20, 30, 40, then BFGS 10, 20, and here BFGS 30
            raise _Interrupted
        return {}

    with pytest.raises(_Interrupted):
        run(tmp_path / "split", monitor=crash_in_bfgs)
    resumed, resumed_state = run(tmp_path / "split")  # builds the network again, as a new process would
    assert list(resumed["iteration"]) == list(whole["iteration"])
    assert np.allclose(resumed["loss"], whole["loss"], rtol=1e-9, atol=0)
    assert np.allclose(resumed_state.weights, whole_state.weights, rtol=1e-9, atol=1e-12)
    assert resumed_state.seconds > 0


def test_a_nan_loss_stops_training_with_a_message(tmp_path: Path) -> None:
    network = build_network(2, 4, "tanh", "float64", (0.0, -1.0), (1.0, 1.0), seed=0)
    points = TrainingPoints(collocation=np.array([[0.5, np.nan], [0.2, 0.1]]))
    objective = Objective(
        network.trainable_variables,
        loss_terms(network, points, lambda: (1.0, 0.1)),
        learning_rate=0.01,
        jit_compile=False,
    )
    with pytest.raises(TrainingDiverged, match="Adam step 1"):
        optimize(objective, _forward().optimization, checkpoint_dir=tmp_path, log=lambda _: None)


def test_an_exploding_loss_stops_training_with_a_message(reference: Solution, tmp_path: Path) -> None:
    """Adam at rate 1e6: the loss stays finite but leaves its start behind by orders of magnitude."""
    with pytest.raises(TrainingDiverged, match=r"loss exploded to .* in Adam step \d+: .*Lower the Adam learning rate"):
        train_forward(
            PROBLEM, reference, _forward(adam_learning_rate=1e6), seed=0, checkpoint_dir=tmp_path, log=lambda _: None
        )
