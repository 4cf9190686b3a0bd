"""Training of one HAR model with one seed, and the publishing of a stage's seeds.

A `har_train@<model>` stage trains its model once per seed. Each finished seed is kept
under `checkpoints/har/` (`redes.training.save_finished`) until the whole stage is done: a
stage killed during its third seed skips the first two when it runs again and resumes the
third from its backup.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import pandas as pd

from redes.classifier import fit_classifier
from redes.files import write_csv, write_json
from redes.har.data import CHANNELS, HarWindows
from redes.har.models import build_model
from redes.har.params import HarModel
from redes.seeding import seed_everything
from redes.training import FinishedTraining, load_model


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
        seed=seed,
        backup_dir=backup_dir,
        distribution=distribution,
        callbacks=callbacks,
        verbose=verbose,
    )


def publish_seeds(finished: Mapping[int, FinishedTraining], model_dir: Path, plots_dir: Path) -> None:
    """Every seed into the stage's outputs: models/har/<model>/seed_<seed>/, its curve and runs.json.

    The seeds' backups go once all are in the outputs; the plots folder is rewritten whole,
    so a run with fewer seeds leaves no stale curves.
    """
    shutil.rmtree(plots_dir, ignore_errors=True)
    for seed, seed_result in finished.items():
        (model_dir / f"seed_{seed}").mkdir(parents=True, exist_ok=True)
        shutil.copy2(seed_result.model_file, model_dir / f"seed_{seed}" / "model.keras")
        write_csv(seed_result.history, plots_dir / f"seed_{seed}.csv")
    run_ids = {str(seed): seed_result.run_id for seed, seed_result in finished.items()}
    write_json(model_dir / "runs.json", {"experiment": "har", "run_ids": run_ids})
    for seed_result in finished.values():
        shutil.rmtree(seed_result.folder.parent, ignore_errors=True)


def load_har_model(path: Path) -> keras.Model:
    """A saved HAR model; importing this module registers its custom layers (redes.har.models) first."""
    return load_model(path)
