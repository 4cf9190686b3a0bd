"""Training of one HAR model with one seed, and the store that lets a stage of several seeds resume.

A `har_train@<model>` stage trains its model once per seed. DVC deletes a stage's
outputs before running it again, so each finished seed is also kept under
`checkpoints/har/` until the whole stage is done: a stage killed during its third
seed skips the first two when it runs again and resumes the third from its backup.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import keras
import pandas as pd

from redes.files import read_csv, read_json, write_csv, write_json
from redes.har.data import CHANNELS, HarWindows
from redes.har.models import build_model
from redes.har.params import HarModel
from redes.seeding import seed_everything
from redes.training import fit_classifier, load_model, save_model


def train_seed(
    model_name: str,
    params: HarModel,
    windows: HarWindows,
    seed: int,
    *,
    deterministic: bool,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> tuple[keras.Model, pd.DataFrame]:
    """Seed everything with `seed`, then fit on the training subjects, watching the validation subjects."""
    seed_everything(seed, deterministic)
    window_length = windows.x["train"].shape[1]
    return fit_classifier(
        lambda: build_model(model_name, params, window_length, CHANNELS, len(windows.activities), seed),
        params,
        (windows.x["train"], windows.y["train"]),
        (windows.x["validation"], windows.y["validation"]),
        backup_dir=backup_dir,
        distribution=distribution,
        callbacks=callbacks,
        verbose=verbose,
    )


@dataclass(frozen=True)
class FinishedSeed:
    """A trained seed: its model file, per-epoch history and MLflow run."""

    model_file: Path
    history: pd.DataFrame
    run_id: str


def save_finished(folder: Path, model: keras.Model, history: pd.DataFrame, run_id: str) -> FinishedSeed:
    """Write the seed's results, then rename the folder into place: a half-written seed never looks finished."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_model(model, partial / "model.keras")
    write_csv(history, partial / "history.csv")
    write_json(partial / "run.json", {"run_id": run_id})
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return load_finished(folder)


def load_finished(folder: Path) -> FinishedSeed:
    return FinishedSeed(
        folder / "model.keras", read_csv(folder / "history.csv"), read_json(folder / "run.json")["run_id"]
    )


def load_har_model(path: Path) -> keras.Model:
    """A saved HAR model; importing this module registers its custom layers (redes.har.models) first."""
    return load_model(path)
