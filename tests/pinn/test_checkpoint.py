"""The PINN's saved training state: read back exactly, and a missing or half-written one reads as none."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from redes.pinn.checkpoint import TrainingState, load_state, save_state


def _state(**changes) -> TrainingState:
    rng = np.random.default_rng(0)
    settings = {
        "phase": "quasi_newton",
        "step": 30,
        "seconds": 12.5,
        "weights": rng.normal(size=7),
        "adam": [rng.normal(size=7), rng.normal(size=7), np.array(40)],
        "inverse_hessian": rng.normal(size=(7, 7)),
        "loss": 0.125,
        "history": [{"phase": "adam", "step": 0, "loss": 1.0}],
        "stop_reason": "",
    }
    return TrainingState(**settings | changes)


def _assert_same(loaded: TrainingState, saved: TrainingState) -> None:
    for name in ("phase", "step", "seconds", "loss", "history", "stop_reason"):
        assert getattr(loaded, name) == getattr(saved, name), name
    assert np.array_equal(loaded.weights, saved.weights)
    assert len(loaded.adam) == len(saved.adam) and all(map(np.array_equal, loaded.adam, saved.adam))
    if saved.inverse_hessian is None:
        assert loaded.inverse_hessian is None
    else:
        assert np.array_equal(loaded.inverse_hessian, saved.inverse_hessian)


def test_a_saved_state_reads_back_bit_for_bit(tmp_path: Path) -> None:
    state = _state()
    save_state(state, tmp_path)
    _assert_same(load_state(tmp_path), state)
    adam_only = _state(phase="adam", inverse_hessian=None, loss=None)
    save_state(adam_only, tmp_path)  # overwrites, and drops the matrix it no longer has
    _assert_same(load_state(tmp_path), adam_only)


def test_no_state_or_a_half_written_one_reads_as_none(tmp_path: Path) -> None:
    assert load_state(tmp_path / "absent") is None
    save_state(_state(), tmp_path)
    (tmp_path / "arrays.npz").write_bytes(b"cut short")
    assert load_state(tmp_path) is None
