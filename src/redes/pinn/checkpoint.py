"""The saved state of a PINN training, so that a killed stage resumes exactly where its last backup was.

`redes.pinn.optimize` saves it every `checkpoint_every` steps: the weights, Adam's
moments or BFGS's inverse-Hessian matrix, the history so far and the seconds spent.
L-BFGS-B's memory lives inside scipy and is not saved: it is rebuilt from the weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from redes.files import read_json, write_json


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
