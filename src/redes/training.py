"""Training of the course's Keras classifiers: one loop, resumable, stopped cleanly on NaN.

Every project calls `fit_classifier` with a model builder and its `TrainingParams`.
It adds what every training here needs: the optimiser and schedule from params,
optional balanced class weights, early stopping on validation accuracy, a backup every few batches so a killed stage
resumes where it was (`keras.callbacks.BackupAndRestore`), a NaN guard that turns a
diverged loss into an error naming the params to change, and a per-epoch history.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight

from redes.errors import RedesError
from redes.schema import TrainingParams


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


def backup_dir_for(checkpoints: Path, model_name: str, *identity: Any) -> Path:
    """Where an interrupted training of exactly this configuration keeps its backup.

    The folder name carries a hash of the params and data, so a resumed stage never
    restores weights trained with other settings.
    """
    fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return checkpoints / f"{model_name}-{fingerprint}"


def make_optimizer(params: TrainingParams, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = params.learning_rate
    if params.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(params.learning_rate, params.epochs * steps_per_epoch)
    return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=params.weight_decay)


def balanced_class_weights(labels: np.ndarray) -> dict[int, float]:
    """n / (classes * n_c) for each class c present: every class weighs as much in the loss."""
    classes = np.unique(labels)
    weights = compute_class_weight("balanced", classes=classes, y=labels)
    return {int(c): float(w) for c, w in zip(classes, weights, strict=True)}


def fit_classifier(
    build_model: Callable[[], keras.Model],
    params: TrainingParams,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> tuple[keras.Model, pd.DataFrame]:
    """Train a softmax classifier on integer labels; return it with its per-epoch history.

    If `backup_dir` holds the backup of an interrupted run of the same configuration,
    training continues from it. The history has one row per epoch (1-based `epoch`).
    """
    x_train, y_train = train
    steps_per_epoch = math.ceil(len(x_train) / params.batch_size)
    with distribution_scope(distribution):
        model = build_model()
        model.compile(
            optimizer=make_optimizer(params, steps_per_epoch),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )
    backup_dir.mkdir(parents=True, exist_ok=True)
    history_csv = backup_dir / "history.csv"
    backup = backup_dir / "state"
    if not backup.exists():
        history_csv.unlink(missing_ok=True)  # a history without a backup is from a finished or foreign run
    nan_guard = _NaNGuard()
    model.fit(
        x_train,
        y_train,
        batch_size=params.batch_size,
        epochs=params.epochs,
        validation_data=validation,
        class_weight=balanced_class_weights(y_train) if params.balanced_class_weights else None,
        verbose=verbose,  # 2: one line per epoch, readable in a stage log
        callbacks=[
            _EpochTimer(),
            nan_guard,
            _ResumableBackup(backup, save_freq=params.checkpoint_every_batches),
            keras.callbacks.EarlyStopping(
                # Accuracy, not loss: a softmax classifier's validation loss rises with
                # over-confidence long before its accuracy stops improving.
                monitor="val_accuracy",
                mode="max",
                patience=params.early_stopping_patience,
                restore_best_weights=params.restore_best_weights,
            ),
            keras.callbacks.CSVLogger(str(history_csv), append=True),
            *callbacks,
        ],
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
    return model, history.reset_index(drop=True)


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
