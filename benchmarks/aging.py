"""Benchmark: our CAAE recipe against the plain CAAE of the paper, same image size, same time budget, one process.

Plain: the authors' settings (Zhang, Song, Qi 2017 and their code) at the pipeline's image
size: 5x5 kernels, encoder 64-512 and generator 512-64 filters, z of 50, the labels tiled
after the image discriminator's first convolution, L1 reconstruction with a 1e-4 image
adversary, Adam 2e-4 (beta_1 0.5), batch 100.
Ours: the `aging.caae` section of params.yaml, trained exactly as `dvc repro aging_train` does.
The plain recipe trains for `--minutes` of wall time (stopped after the batch that crosses
it); ours for its own epochs, over which its learning rate decays, stopped by the same
budget if it runs over (`train_seconds` says how long each trained). Then
every test face is rendered at every age group and judged by the pipeline's age estimator,
as `aging_evaluate` does. Needs the prepared faces and the estimator: run
`dvc repro aging_estimator` first. Writes reports/benchmarks/aging.json.

    uv run python benchmarks/aging.py --minutes 45   # or: make benchmark
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import keras

from redes.aging.data import load_splits
from redes.aging.evaluate import score_ager
from redes.aging.params import PAPER_CAAE, CaaeParams
from redes.aging.render import Ager
from redes.aging.train import train_caae
from redes.files import write_json
from redes.paths import Workspace
from redes.provenance import machine
from redes.sections import load_all_params
from redes.seeding import seed_everything
from redes.training import load_model

HEADLINE = (
    "group_accuracy",
    "group_accuracy_within_one",
    "spearman_mean",
    "reconstruction_ssim",
    "reconstruction_psnr",
    "frechet_estimator_features",
)


class TimeBudget(keras.callbacks.Callback):
    """Stops training after the batch that crosses `seconds` of wall time; counts the faces seen."""

    def __init__(self, seconds: float, batch_size: int) -> None:
        super().__init__()
        self.seconds, self.batch_size, self.batches = seconds, batch_size, 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches += 1
        self.elapsed = time.perf_counter() - self.started
        if self.elapsed >= self.seconds:
            self.model.stop_training = True


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    arguments.add_argument(
        "--minutes", type=float, default=45.0, help="training time of each recipe, at most (ours needs 30-40)"
    )
    minutes = arguments.parse_args().minutes
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file)
    splits = load_splits(workspace.processed("aging") / "faces.npz")
    estimator = load_model(workspace.models("aging", "estimator") / "model.keras")
    faces, ages, genders, _ = splits.split("test")
    # Epochs enough for the plain recipe to fill the budget: the budget stops it, not the epoch count.
    recipes = {"plain": CaaeParams.model_validate({**PAPER_CAAE, "epochs": 10_000}), "ours": params.aging.caae}
    results = {}
    for name, recipe in recipes.items():
        print(f"{name}: at most {minutes:g} minutes of training")
        budget = TimeBudget(60.0 * minutes, recipe.batch_size)
        seed_everything(params.base.seed, params.base.deterministic)
        with tempfile.TemporaryDirectory() as backup:
            caae, _ = train_caae(
                recipe,
                splits.split("train")[:3],
                splits.split("validation")[:3],
                seed=params.base.seed,
                backup_dir=Path(backup),
                callbacks=[budget],
                verbose=0,
            )
        scores, _ = score_ager(Ager(caae.encoder, caae.generator), estimator, faces, ages, genders)
        results[name] = {
            **{key: scores[key] for key in HEADLINE},
            "train_seconds": budget.elapsed,
            "faces_seen": budget.batches * recipe.batch_size,
            "per_group": scores["per_group"],
        }
        print("  " + ", ".join(f"{key} {results[name][key]:.4g}" for key in (*HEADLINE, "faces_seen")))
    results["minutes"] = minutes
    results["machine"] = machine()
    out = write_json(workspace.root / "reports" / "benchmarks" / "aging.json", results)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
