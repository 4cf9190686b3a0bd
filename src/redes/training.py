"""The resumable fit every Keras training of the course goes through, whatever it trains.

`fit_resumable` wraps `model.fit` of a compiled model (a classifier, a GAN with its own
`train_step`, a regressor) with what every training here needs: a backup at the end of
every epoch so a killed stage resumes where it was, a guard that turns a diverged loss
(NaN, infinite, or exploded far above where it started) into an error naming the params
to change, the seconds of each epoch, and a per-epoch history. The classifiers' recipe
on top of it (optimiser, loss, early stopping) is `redes.classifier`.

A resumed training is the uninterrupted one, bit for bit. Keras' `BackupAndRestore`
restores weights and the epoch number only; an epoch's outcome also depends on the order
of its batches, on the random state of dropout and augmentation layers and on early
stopping's memory, so the backup holds all of them (see `_EpochBackup`) and the batch
order of epoch e is drawn from (seed, e) alone (`EpochShuffledBatches`). Backups are
written at epoch ends only: an epoch cut short is trained again from its start, exactly
as it ran the first time.

A stage that trains several models (HAR's seeds, AirCalc's members) keeps each finished
one beside its backup (`save_finished`): DVC deletes a stage's outputs before running it
again, and a stage killed during its third training should not train the first two again.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from redes.errors import RedesError
from redes.files import read_csv, read_json, replaced_atomically, write_csv, write_json

# A loss this many times its value on the first batch has exploded, even while finite.
EXPLOSION_FACTOR = 1e3


class TrainingDiverged(RedesError, RuntimeError):
    """The loss became NaN, infinite or exploded; nothing was saved as a result."""


class EpochShuffledBatches(keras.utils.PyDataset):
    """Training batches whose order in epoch e is a permutation drawn from (seed, e) alone.

    `model.fit(x, y, shuffle=True)` draws each epoch's order from a random state that a
    resumed process does not have; here the order of an epoch is the same whether the
    epochs before it ran in this process or in one that was killed.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        batch_size: int,
        seed: int,
        first_epoch: int = 0,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        super().__init__()  # one worker, no multiprocessing: batches come in order
        self.arrays = (x, y) if sample_weight is None else (x, y, sample_weight)
        self.batch_size, self.seed = batch_size, seed
        self.first_epoch, self._epochs_begun = first_epoch, 0
        self._order = self.epoch_order(first_epoch)  # Keras peeks at a batch before the first epoch begins

    def epoch_order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.arrays[0]))

    def on_epoch_begin(self) -> None:
        self._order = self.epoch_order(self.first_epoch + self._epochs_begun)
        self._epochs_begun += 1

    def __len__(self) -> int:
        return math.ceil(len(self.arrays[0]) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        return tuple(array[rows] for array in self.arrays)


class _EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` to the epoch logs (put it before the loggers)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._started


class _DivergenceGuard(keras.callbacks.Callback):
    """Stops training when the loss is NaN, infinite, or `EXPLOSION_FACTOR` times its first value.

    The first value is the loss on the training's first batch; a resumed training gets it
    from the backup, so it stops where the uninterrupted one would.
    """

    def __init__(self, reference_loss: float | None) -> None:
        super().__init__()
        self.reference_loss = reference_loss
        self.diverged_at: tuple[int, int, float] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or self.diverged_at is not None:
            return
        loss = float(loss)
        if self.reference_loss is None and math.isfinite(loss):
            self.reference_loss = abs(loss)
        exploded = self.reference_loss is not None and abs(loss) > EXPLOSION_FACTOR * max(self.reference_loss, 1e-12)
        if not math.isfinite(loss) or exploded:
            self.diverged_at = (self._epoch + 1, batch + 1, loss)
            self.model.stop_training = True

    def message(self) -> str:
        epoch, batch, loss = self.diverged_at or (0, 0, math.nan)
        cause = (
            f"loss became {loss}"
            if not math.isfinite(loss)
            else f"loss exploded to {loss:.3g} (over {EXPLOSION_FACTOR:g} times its first value, "
            f"{self.reference_loss:.3g})"
        )
        return (
            f"{cause} at epoch {epoch}, batch {batch}: training stopped and nothing was saved. "
            "Lower the learning rate (or check the inputs for NaN) and run the stage again."
        )


@dataclass(frozen=True)
class _Backup:
    """What `_EpochBackup` wrote at the end of the last epoch a killed training finished."""

    epochs_done: int
    stopped: bool  # early stopping had ended the training
    reference_loss: float | None
    early_stopping: list[tuple[dict[str, Any], list[np.ndarray]]]  # each one's memory and best weights


class _EpochBackup(keras.callbacks.Callback):
    """Writes, at every epoch end, all an uninterrupted training carries into its next epoch.

    That is every variable of the model (weights, batch-norm statistics, and the random
    state of dropout and augmentation layers, which `model.save_weights` leaves out), the
    optimizers' (moments, step counts, hence the learning-rate schedule; a GAN's model names
    its players' optimizers in `optimized_variables()`), the epochs done
    and whether training stopped, the first loss (`_DivergenceGuard`'s reference), and
    each early stopping's memory (best score and its weights, patience used). One `.npz`,
    written under a temporary name and renamed: a kill leaves the previous backup whole.
    Put it after every callback whose state it saves, so it sees their epoch-end updates.
    """

    def __init__(
        self,
        path: Path,
        guard: _DivergenceGuard,
        early_stoppings: Sequence[keras.callbacks.EarlyStopping],
        restored: _Backup | None,
    ) -> None:
        super().__init__()
        self.path, self.guard, self.early_stoppings, self.restored = path, guard, list(early_stoppings), restored

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Runs after the early stoppings' own on_train_begin, which forgets everything.
        if self.restored is None:
            return
        for callback, (memory, best_weights) in zip(self.early_stoppings, self.restored.early_stopping, strict=True):
            callback.wait, callback.stopped_epoch = memory["wait"], memory["stopped_epoch"]
            callback.best, callback.best_epoch = memory["best"], memory["best_epoch"]
            callback.best_weights = best_weights or None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.guard.diverged_at is not None:
            return  # a diverged state is not worth resuming
        arrays = {f"variable_{i:05d}": np.asarray(v) for i, v in enumerate(_training_variables(self.model))}
        memories = []
        for index, callback in enumerate(self.early_stoppings):
            memories.append(
                {
                    "wait": callback.wait,
                    "stopped_epoch": callback.stopped_epoch,
                    "best": None if callback.best is None else float(callback.best),
                    "best_epoch": callback.best_epoch,
                }
            )
            arrays.update({f"early_stopping_{index}_{i:05d}": w for i, w in enumerate(callback.best_weights or [])})
        metadata = {
            "epochs_done": epoch + 1,
            "stopped": bool(self.model.stop_training),
            "reference_loss": self.guard.reference_loss,
            "early_stopping": memories,
        }
        with replaced_atomically(self.path) as partial, partial.open("wb") as file:
            np.savez(file, metadata=np.array(json.dumps(metadata)), **arrays)


def _optimizers(model: keras.Model) -> list[tuple[keras.optimizers.Optimizer, list[keras.Variable]]]:
    """Each optimizer of `model` with the variables it updates: a GAN's one per player, else compile's one."""
    if hasattr(model, "optimized_variables"):
        return model.optimized_variables()
    return [(model.optimizer, model.trainable_variables)]


def _training_variables(model: keras.Model) -> list[keras.Variable]:
    return [*model.variables, *(v for optimizer, _ in _optimizers(model) for v in optimizer.variables)]


def _arrays(backup: Mapping[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    return [backup[name] for name in sorted(backup) if name.startswith(prefix)]


def _restore_backup(model: keras.Model, path: Path) -> _Backup | None:
    """Load the backup at `path` into `model` (compiled) and return what else it holds; None to start afresh."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as file:
            backup = {name: file[name] for name in file.files}
        metadata = json.loads(str(backup["metadata"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        print(f"backup {path} is unreadable ({error}); training starts over")
        return None
    for optimizer, variables in _optimizers(model):
        if not optimizer.built:
            optimizer.build(variables)
    variables, saved = _training_variables(model), _arrays(backup, "variable_")
    if [tuple(v.shape) for v in variables] != [a.shape for a in saved]:
        print(f"backup {path} does not fit this model (written by other code?); training starts over")
        return None
    for variable, value in zip(variables, saved, strict=True):
        variable.assign(value)
    early_stopping = [
        (memory, _arrays(backup, f"early_stopping_{index}_")) for index, memory in enumerate(metadata["early_stopping"])
    ]
    return _Backup(metadata["epochs_done"], metadata["stopped"], metadata["reference_loss"], early_stopping)


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
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    batch_size: int,
    epochs: int,
    seed: int,
    backup_dir: Path,
    class_weight: Mapping[int, float] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
    **fit_arguments: Any,
) -> pd.DataFrame:
    """`model.fit` on `x`, `y` in batches shuffled from `seed`, resumable, guarded and timed; the per-epoch history.

    `model` is compiled. If `backup_dir` holds the backup of an interrupted run of the same
    configuration, training continues from its last finished epoch and ends bit-identical to
    a run never interrupted. The backup stays after training, so a stage killed before it
    has saved and logged the model gets the same model back at once: the stage deletes
    `backup_dir` when its outputs are safe. The history has one row per epoch (1-based
    `epoch`) with every logged metric and `epoch_seconds`. `fit_arguments` go to `model.fit`
    (`validation_data`).
    """
    backup_dir.mkdir(parents=True, exist_ok=True)
    history_csv, backup_file = backup_dir / "history.csv", backup_dir / "backup.npz"
    restored = _restore_backup(model, backup_file)
    if restored is None:
        history_csv.unlink(missing_ok=True)  # a history without a backup is from a foreign or diverged run
    first_epoch = 0 if restored is None else epochs if restored.stopped else restored.epochs_done
    sample_weight = None
    if class_weight is not None and y is not None:
        sample_weight = np.vectorize(class_weight.__getitem__, otypes=[np.float32])(y)
    batches = EpochShuffledBatches(
        x, y, batch_size=batch_size, seed=seed, first_epoch=first_epoch, sample_weight=sample_weight
    )
    guard = _DivergenceGuard(None if restored is None else restored.reference_loss)
    early_stoppings = [c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)]
    model.fit(
        batches,
        epochs=epochs,
        initial_epoch=first_epoch,
        shuffle=False,  # the batches are shuffled already; Keras would reorder them with Python's global random
        verbose=verbose,  # 2: one line per epoch, readable in a stage log
        callbacks=[
            _EpochTimer(),
            guard,
            *callbacks,
            keras.callbacks.CSVLogger(str(history_csv), append=True),
            _EpochBackup(backup_file, guard, early_stoppings, restored),
        ],
        **fit_arguments,
    )
    if guard.diverged_at is not None:
        shutil.rmtree(backup_dir, ignore_errors=True)
        raise TrainingDiverged(guard.message())
    history = pd.read_csv(history_csv)
    # An epoch cut short by a kill after its row was logged ran again; keep its last row.
    history = history.drop_duplicates("epoch", keep="last").sort_values("epoch")
    history["epoch"] = history["epoch"] + 1
    return history.reset_index(drop=True)


@dataclass(frozen=True)
class FinishedTraining:
    """A trained model kept in a folder of its backup: its model file, per-epoch history and MLflow run."""

    folder: Path
    model_file: Path
    history: pd.DataFrame
    run_id: str


def save_finished(folder: Path, model: keras.Model, history: pd.DataFrame, run_id: str) -> FinishedTraining:
    """Write the training's results, then rename the folder into place: a half-written one never looks finished."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(model, partial / "model.keras")
    write_csv(history, partial / "history.csv")
    write_json(partial / "run.json", {"run_id": run_id})
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return load_finished(folder)


def load_finished(folder: Path) -> FinishedTraining:
    return FinishedTraining(
        folder, folder / "model.keras", read_csv(folder / "history.csv"), read_json(folder / "run.json")["run_id"]
    )


def save_model(model: keras.Model, path: Path) -> Path:
    with replaced_atomically(path) as partial:
        model.save(partial)
    return path


def load_model(path: Path) -> keras.Model:
    """A model saved by `save_model`; a missing or unreadable file is an error naming it."""
    if not path.exists():
        raise RedesError(f"{path} is missing; run `dvc repro` to train it")
    try:
        return keras.saving.load_model(path)
    except (OSError, ValueError) as error:
        raise RedesError(f"{path} is not a readable Keras model ({error}); delete it and run `dvc repro`") from None
