"""The training loop: it learns, resumes after an interruption, stops on NaN, and repeats itself exactly."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

from redes.config import Params
from redes.mnist.data import MnistSplits
from redes.mnist.train import train
from redes.paths import Workspace
from redes.seeding import seed_everything
from redes.training import TrainingDiverged


class _Interrupt(keras.callbacks.Callback):
    """Kills training mid-epoch, as a power cut would."""

    def __init__(self, epoch: int, batch: int) -> None:
        super().__init__()
        self.at = (epoch, batch)
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if (self._epoch, batch) == self.at:
            raise KeyboardInterrupt


class _EpochsSeen(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[int] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs.append(epoch)


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_both_models_learn_the_synthetic_digits(
    model_name: str, tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    seed_everything(0, True)
    model, history = train(
        model_name, tiny_params.mnist.model(model_name), synthetic_splits, backup_dir=tmp_path / "b", verbose=0
    )
    assert list(history["epoch"]) == list(range(1, len(history) + 1))
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"} <= set(history.columns)
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert model.output_shape == (None, 10)
    assert not (tmp_path / "b").exists()  # the backup goes once training has finished


def test_interrupted_training_resumes_where_it_stopped(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    params = tiny_params.mnist.mlp.model_copy(update={"epochs": 4, "checkpoint_every_batches": 4})
    backup = Workspace(tmp_path).backup_dir("mnist", "mlp", params.model_dump())
    seed_everything(0, True)
    with pytest.raises(KeyboardInterrupt):
        train("mlp", params, synthetic_splits, backup_dir=backup, callbacks=[_Interrupt(epoch=2, batch=9)], verbose=0)
    assert (backup / "state").exists()
    seen = _EpochsSeen()
    seed_everything(0, True)
    _, history = train("mlp", params, synthetic_splits, backup_dir=backup, callbacks=[seen], verbose=0)
    assert seen.epochs == [2, 3]  # epochs 1 and 2 (0 and 1 to Keras) are not trained again
    assert list(history["epoch"]) == [1, 2, 3, 4]  # the history still covers the whole training


def test_a_backup_cut_short_is_not_fatal(tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path) -> None:
    """Killed while writing its first backup, a training starts over when run again."""
    state = tmp_path / "b" / "state"
    state.mkdir(parents=True)
    (state / "latest.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    (state / "training_metadata.json").write_text('{"epoch": 2, "batch": 0}')
    seen = _EpochsSeen()
    seed_everything(0, True)
    _, history = train(
        "mlp", tiny_params.mnist.mlp, synthetic_splits, backup_dir=tmp_path / "b", callbacks=[seen], verbose=0
    )
    assert seen.epochs == [0, 1, 2]
    assert list(history["epoch"]) == [1, 2, 3]


def test_a_backup_killed_while_writing_its_epoch_falls_back_to_the_previous_one(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    params = tiny_params.mnist.mlp.model_copy(update={"epochs": 4, "checkpoint_every_batches": 4})
    backup = tmp_path / "b"
    seed_everything(0, True)
    with pytest.raises(KeyboardInterrupt):
        train("mlp", params, synthetic_splits, backup_dir=backup, callbacks=[_Interrupt(epoch=2, batch=9)], verbose=0)
    state = backup / "state"
    previous_epoch = json.loads((state / "training_metadata.json.bkp").read_text())["epoch"]
    (state / "training_metadata.json").write_text("")  # what a kill between open() and write() leaves
    seen = _EpochsSeen()
    seed_everything(0, True)
    _, history = train("mlp", params, synthetic_splits, backup_dir=backup, callbacks=[seen], verbose=0)
    assert seen.epochs == list(range(previous_epoch, 4))
    assert list(history["epoch"]) == [1, 2, 3, 4]


def test_backup_of_other_settings_is_not_restored(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    assert workspace.backup_dir("mnist", "mlp", {"epochs": 3}) != workspace.backup_dir("mnist", "mlp", {"epochs": 4})


def test_nan_stops_training_with_a_message(tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path) -> None:
    poisoned = MnistSplits(**{**synthetic_splits.__dict__, "x_train": synthetic_splits.x_train.copy()})
    poisoned.x_train[7, 3, 3, 0] = np.nan
    # tanh carries the NaN through (ReLU would turn it into 0 and hide it).
    params = tiny_params.mnist.mlp.model_copy(update={"activation": "tanh"})
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 1, batch \d+: .*Lower the learning rate"):
        train("mlp", params, poisoned, backup_dir=tmp_path / "b", verbose=0)
    assert not (tmp_path / "b").exists()


def test_training_twice_gives_identical_weights(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    runs = []
    for attempt in range(2):
        seed_everything(tiny_params.base.seed, deterministic=True)
        model, history = train(
            "cnn", tiny_params.mnist.cnn, synthetic_splits, backup_dir=tmp_path / str(attempt), verbose=0
        )
        runs.append((model.get_weights(), history.drop(columns="epoch_seconds")))
    (first_weights, first_history), (second_weights, second_history) = runs
    for a, b in zip(first_weights, second_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first_history.equals(second_history)
