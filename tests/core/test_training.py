"""The training loop: it learns, resumes after an interruption, stops on NaN, and repeats itself exactly."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from redes.config import Params
from redes.mnist.data import MnistSplits
from redes.mnist.train import train
from redes.paths import Workspace
from redes.seeding import seed_everything
from redes.training import TrainingDiverged
from tests.helpers.callbacks import EpochsSeen, Interrupt


@pytest.mark.parametrize("model_name", ["mlp", "cnn"])
def test_both_models_learn_the_synthetic_digits(
    model_name: str, tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    seed_everything(0, True)
    model, history = train(
        model_name, tiny_params.mnist.model(model_name), synthetic_splits, seed=0, backup_dir=tmp_path / "b", verbose=0
    )
    assert list(history["epoch"]) == list(range(1, len(history) + 1))
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"} <= set(history.columns)
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert model.output_shape == (None, 10)
    # The backup stays until the stage has saved and logged the model (it deletes the folder then).
    assert (tmp_path / "b" / "backup.npz").exists()


def _weights_and_history(model: keras.Model, history: pd.DataFrame) -> tuple[list[np.ndarray], pd.DataFrame]:
    return [np.asarray(v) for v in model.variables], history.drop(columns="epoch_seconds")


def _assert_same_training(first: tuple, second: tuple) -> None:
    (first_weights, first_history), (second_weights, second_history) = first, second
    for a, b in zip(first_weights, second_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(first_history, second_history)


def test_interrupted_training_resumes_to_the_uninterrupted_result(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    """Bit for bit, which also proves the training deterministic: the two runs share only the seed."""
    params = tiny_params.mnist.cnn.model_copy(update={"epochs": 4, "early_stopping_patience": 4})
    seed_everything(0, True)
    uninterrupted = _weights_and_history(
        *train("cnn", params, synthetic_splits, seed=0, backup_dir=tmp_path / "u", verbose=0)
    )
    backup = Workspace(tmp_path).backup_dir("mnist", "cnn", params.model_dump())
    seed_everything(0, True)
    with pytest.raises(KeyboardInterrupt):
        train(
            "cnn",
            params,
            synthetic_splits,
            seed=0,
            backup_dir=backup,
            callbacks=[Interrupt(epoch=2, batch=9)],
            verbose=0,
        )
    seen = EpochsSeen()
    seed_everything(0, True)
    model, history = train("cnn", params, synthetic_splits, seed=0, backup_dir=backup, callbacks=[seen], verbose=0)
    assert seen.epochs == [2, 3]  # epochs 1 and 2 (0 and 1 to Keras) are not trained again
    _assert_same_training(uninterrupted, _weights_and_history(model, history))


def test_a_finished_training_run_again_returns_its_model_without_training(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    """A stage killed after training but before saving its outputs gets the same model back at once."""
    params = tiny_params.mnist.mlp.model_copy(update={"epochs": 6, "early_stopping_patience": 1})
    seed_everything(0, True)
    finished = _weights_and_history(
        *train("mlp", params, synthetic_splits, seed=0, backup_dir=tmp_path / "b", verbose=0)
    )
    seen = EpochsSeen()
    seed_everything(0, True)
    again = train("mlp", params, synthetic_splits, seed=0, backup_dir=tmp_path / "b", callbacks=[seen], verbose=0)
    assert seen.epochs == []
    _assert_same_training(finished, _weights_and_history(*again))


def test_an_unreadable_backup_is_not_fatal(tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path) -> None:
    """A backup damaged on disk (a kill mid-write leaves the previous one whole) makes the training start over."""
    backup = tmp_path / "b"
    backup.mkdir()
    (backup / "backup.npz").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    seen = EpochsSeen()
    seed_everything(0, True)
    _, history = train(
        "mlp", tiny_params.mnist.mlp, synthetic_splits, seed=0, backup_dir=backup, callbacks=[seen], verbose=0
    )
    assert seen.epochs == [0, 1, 2]
    assert list(history["epoch"]) == [1, 2, 3]


def test_backup_of_other_settings_is_not_restored(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    assert workspace.backup_dir("mnist", "mlp", {"epochs": 3}) != workspace.backup_dir("mnist", "mlp", {"epochs": 4})


def test_nan_stops_training_with_a_message(tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path) -> None:
    poisoned = MnistSplits(**{**synthetic_splits.__dict__, "x_train": synthetic_splits.x_train.copy()})
    poisoned.x_train[7, 3, 3, 0] = np.nan
    # tanh carries the NaN through (ReLU would turn it into 0 and hide it).
    params = tiny_params.mnist.mlp.model_copy(update={"activation": "tanh"})
    with pytest.raises(TrainingDiverged, match=r"loss became nan at epoch 1, batch \d+: .*Lower the learning rate"):
        train("mlp", params, poisoned, seed=0, backup_dir=tmp_path / "b", verbose=0)
    assert not (tmp_path / "b").exists()


def test_an_exploding_loss_stops_training_with_a_message(
    tiny_params: Params, synthetic_splits: MnistSplits, tmp_path: Path
) -> None:
    """Learning rate 1e10: the loss stays finite (1e21) but is no training; nothing is kept."""
    params = tiny_params.mnist.mlp.model_copy(update={"learning_rate": 1e10})
    with pytest.raises(TrainingDiverged, match=r"loss exploded to .* at epoch 1, batch \d+: .*Lower the learning rate"):
        train("mlp", params, synthetic_splits, seed=0, backup_dir=tmp_path / "b", verbose=0)
    assert not (tmp_path / "b").exists()
