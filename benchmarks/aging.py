"""Benchmark: our CAAE recipe against the plain CAAE of the paper, same image size, same training time.

Plain: the authors' settings (Zhang, Song, Qi 2017 and their code) at the pipeline's image
size: 5x5 kernels, encoder 64-512 and generator 512-64 filters, z of 50, the labels tiled
after the image discriminator's first convolution, L1 reconstruction with a 1e-4 image
adversary, Adam 2e-4 (beta_1 0.5), batch 100.
Ours: the CAAE `dvc repro aging_train` trained from the `aging.caae` section of params.yaml,
with the training time its history records (reports/plots/aging/caae_history.csv): training
it again would spend that time to reproduce the same weights.
The plain recipe trains for that same wall time (or `--minutes`), stopped after the batch that
crosses it, on the same faces and seed. Then every test face is rendered at every age group by
each and judged by the pipeline's age estimator, as `aging_evaluate` does. Needs `dvc repro
aging_train aging_estimator` first. Writes reports/benchmarks/aging.json.

    uv run python benchmarks/aging.py   # or: make benchmark
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
from redes.files import read_csv, write_json
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
    """Stops training after the batch that crosses `seconds` of wall time; counts the batches."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds, self.batches = seconds, 0

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
        "--minutes", type=float, help="training time of the plain recipe (default: what ours trained for)"
    )
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file)
    splits = load_splits(workspace.processed("aging") / "faces.npz")
    estimator = load_model(workspace.models("aging", "estimator") / "model.keras")
    faces, ages, genders, _ = splits.split("test")
    history = read_csv(workspace.plots("aging") / "caae_history.csv")
    ours = {
        "train_seconds": float(history["epoch_seconds"].sum()),
        "faces_seen": len(history) * len(splits.split("train")[0]),
    }
    minutes = arguments.parse_args().minutes or ours["train_seconds"] / 60.0
    print(f"plain: {minutes:.1f} minutes of training")
    # Epochs enough for the plain recipe to fill the budget: the budget stops it, not the epoch count.
    plain = CaaeParams.model_validate({**PAPER_CAAE, "epochs": 10_000})
    budget = TimeBudget(60.0 * minutes)
    seed_everything(params.base.seed, params.base.deterministic)
    with tempfile.TemporaryDirectory() as backup:
        caae, _ = train_caae(
            plain,
            splits.split("train")[:3],
            splits.split("validation")[:3],
            seed=params.base.seed,
            backup_dir=Path(backup),
            callbacks=[budget],
            verbose=0,
        )
    agers = {"plain": Ager(caae.encoder, caae.generator), "ours": Ager.load(workspace.models("aging", "caae"))}
    times = {"plain": {"train_seconds": budget.elapsed, "faces_seen": budget.batches * plain.batch_size}, "ours": ours}
    results = {}
    for name, ager in agers.items():
        scores, _ = score_ager(ager, estimator, faces, ages, genders)
        results[name] = {**{key: scores[key] for key in HEADLINE}, **times[name], "per_group": scores["per_group"]}
        print(f"{name}: " + ", ".join(f"{key} {results[name][key]:.4g}" for key in (*HEADLINE, *times[name])))
    results["minutes"] = minutes
    results["machine"] = machine()
    out = write_json(workspace.root / "reports" / "benchmarks" / "aging.json", results)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
