"""The resumable fit every Keras training of the course goes through, whatever it trains.

`fit_resumable` wraps `model.fit` of a compiled model (a classifier, a GAN with its own
`train_step`, a regressor) with what every training here needs: a backup every few
batches so a killed stage resumes where it was (`keras.callbacks.BackupAndRestore`), a
NaN guard that turns a diverged loss into an error naming the params to change, the
seconds of each epoch, and a per-epoch history. The classifiers' recipe on top of it
(optimiser, loss, early stopping) is `redes.classifier`.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import keras
import pandas as pd

from redes.errors import RedesError


class TrainingDiverged(RedesError, RuntimeError):
    """The loss became NaN or infinite; nothing was saved as a result."""


class _EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` to the epoch logs (put it before the loggers)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._started


class _ResumableBackup(keras.callbacks.BackupAndRestore):
    """Keras' BackupAndRestore keeping the previous backup too (`double_checkpoint`).

    A process killed while writing a backup leaves a corrupt file: Keras falls back
    to the previous backup when the weights are unreadable, and so does this class
    when the epoch file (`training_metadata.json`) is. Killed while writing the very
    first backup, there is nothing to fall back to, and training starts over instead
    of failing.
    """

    def __init__(self, backup_dir: Path, save_freq: int) -> None:
        super().__init__(str(backup_dir), save_freq=save_freq, double_checkpoint=True)

    def on_train_begin(self, logs: dict | None = None) -> None:
        metadata, weights = Path(self._training_metadata_path), Path(self._weights_path)
        previous_metadata, previous_weights = Path(self._prev_training_metadata_path), Path(self._prev_weights_path)
        try:
            if metadata.exists():
                json.loads(metadata.read_text())
        except ValueError:
            if previous_metadata.exists() and previous_weights.exists():
                shutil.copyfile(previous_weights, weights)
                shutil.copyfile(previous_metadata, metadata)
            else:
                metadata.unlink()  # the weights alone cannot say their epoch: start over below
                weights.unlink(missing_ok=True)
        try:
            super().on_train_begin(logs)
        except (OSError, json.JSONDecodeError) as error:
            print(f"backup in {self.backup_dir} is unreadable ({error}); training starts over")
            shutil.rmtree(self.backup_dir, ignore_errors=True)


class _NaNGuard(keras.callbacks.TerminateOnNaN):
    """Keras' TerminateOnNaN, remembering the epoch and batch where the loss stopped being finite."""

    def __init__(self) -> None:
        super().__init__()
        self.diverged_at: tuple[int, int, float] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        super().on_batch_end(batch, logs)  # stops training on a NaN or infinite loss
        loss = (logs or {}).get("loss")
        if self.diverged_at is None and loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = (self._epoch + 1, batch + 1, float(loss))


@contextlib.contextmanager
def distribution_scope(distribution: str) -> Iterator[None]:
    """Build and compile models under the tf.distribute strategy named in `base.distribution`."""
    if distribution == "one_device" or keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    strategies = {
        "mirrored": tf.distribute.MirroredStrategy,
        "multi_worker_mirrored": tf.distribute.MultiWorkerMirroredStrategy,
    }
    if distribution not in strategies:
        raise ValueError(f"unknown distribution {distribution!r}; expected one_device, {', '.join(strategies)}")
    with strategies[distribution]().scope():
        yield


def fit_resumable(
    model: keras.Model,
    x: Any,
    y: Any = None,
    *,
    backup_dir: Path,
    checkpoint_every_batches: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
    **fit_arguments: Any,
) -> pd.DataFrame:
    """`model.fit(x, y, **fit_arguments)`, resumable, NaN-guarded and timed; return the per-epoch history.

    `model` is compiled. If `backup_dir` holds the backup of an interrupted run of the same
    configuration, training continues from it; the folder is removed once training ends. The
    history has one row per epoch (1-based `epoch`) with every logged metric and `epoch_seconds`.
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    history_csv = backup_dir / "history.csv"
    backup = backup_dir / "state"
    if not backup.exists():
        history_csv.unlink(missing_ok=True)  # a history without a backup is from a finished or foreign run
    nan_guard = _NaNGuard()
    model.fit(
        x,
        y,
        verbose=verbose,  # 2: one line per epoch, readable in a stage log
        callbacks=[
            _EpochTimer(),
            nan_guard,
            _ResumableBackup(backup, save_freq=checkpoint_every_batches),
            *callbacks,
            keras.callbacks.CSVLogger(str(history_csv), append=True),
        ],
        **fit_arguments,
    )
    if nan_guard.diverged_at is not None:
        epoch, batch, loss = nan_guard.diverged_at
        shutil.rmtree(backup_dir, ignore_errors=True)
        raise TrainingDiverged(
            f"loss became {loss} at epoch {epoch}, batch {batch}: training stopped and nothing was saved. "
            "Lower the learning rate (or check the inputs for NaN) and run the stage again."
        )
    history = pd.read_csv(history_csv)
    # A resumed epoch is logged again; keep its last, complete row.
    history = history.drop_duplicates("epoch", keep="last").sort_values("epoch")
    history["epoch"] = history["epoch"] + 1
    shutil.rmtree(backup_dir, ignore_errors=True)
    return history.reset_index(drop=True)


def save_model(model: keras.Model, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return path


def load_model(path: Path) -> keras.Model:
    """A model saved by `save_model`; a missing or unreadable file is an error naming it."""
    if not path.exists():
        raise RedesError(f"{path} is missing; run `dvc repro` to train it")
    try:
        return keras.saving.load_model(path)
    except (OSError, ValueError) as error:
        raise RedesError(f"{path} is not a readable Keras model ({error}); delete it and run `dvc repro`") from None
