"""Benchmark: our best HAR recipe against a reference 2x64 stacked LSTM, one process, same machine, same windows.

Reference: LSTM(64) -> LSTM(64) -> softmax over the 128 samples of each window,
Adam (learning rate 0.001), batch 64, 30 epochs, no early stopping: the recipe of
most LSTM-HAR tutorials. Ours: the HAR model with the best mean test accuracy in
reports/metrics/har.json, trained from its params.yaml section exactly as
`dvc repro` does, with seed base.seed. Both are scored on the test subjects after
every epoch (scoring time not counted): test accuracy, training wall time, the time
each first reaches the reference's final accuracy, and the ratios. Needs
`dvc repro har_evaluate` first.

    uv run python benchmarks/har.py   # or: make benchmark
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
from scoring import TestScorer, compare

from redes.files import read_json, write_json
from redes.har.data import load_windows
from redes.har.params import HAR_MODELS
from redes.har.train import train_seed
from redes.paths import Workspace
from redes.provenance import machine
from redes.sections import load_all_params
from redes.seeding import seed_everything

REFERENCE_EPOCHS = 30


def reference_model(window_length: int, channels: int, classes: int) -> keras.Model:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input(shape=(window_length, channels)),
            layers.LSTM(64, return_sequences=True),
            layers.LSTM(64),
            layers.Dense(classes, activation="softmax"),
        ]
    )


def summarise(scorer: TestScorer, final_accuracy: float) -> dict:
    return {
        "test_accuracy": final_accuracy,
        "train_seconds": scorer.curve[-1][0],
        "epochs": len(scorer.curve),
        "curve": [{"seconds": s, "test_accuracy": a} for s, a in scorer.curve],
    }


def main() -> None:
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file)
    windows = load_windows(workspace.processed("har") / "har.npz")
    metrics = read_json(workspace.metrics("har"))
    best = max(HAR_MODELS, key=lambda name: metrics[name]["test_accuracy_mean"])
    x_test, y_test = windows.x["test"], windows.y["test"]
    _, window_length, channels = windows.x["train"].shape
    results = {"ours_model": best}

    print(f"reference: 2x LSTM(64), Adam, batch 64, {REFERENCE_EPOCHS} epochs")
    seed_everything(params.base.seed, params.base.deterministic)
    model = reference_model(window_length, channels, len(windows.activities))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    reference_scorer = TestScorer(x_test, y_test)
    model.fit(
        windows.x["train"],
        windows.y["train"],
        batch_size=64,
        epochs=REFERENCE_EPOCHS,
        validation_data=(windows.x["validation"], windows.y["validation"]),
        verbose=0,
        callbacks=[reference_scorer],
    )
    results["reference"] = summarise(reference_scorer, reference_scorer.curve[-1][1])

    print(f"ours: params.yaml har.{best}")
    scorer = TestScorer(x_test, y_test)
    with tempfile.TemporaryDirectory() as backup:
        model, _ = train_seed(
            best,
            params.har.model(best),
            windows,
            params.base.seed,
            deterministic=params.base.deterministic,
            backup_dir=Path(backup),
            callbacks=[scorer],
            verbose=0,
        )
    results["ours"] = summarise(scorer, float(model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]))
    results["ratios"] = compare(results, reference_scorer.curve, scorer.curve)
    results["machine"] = machine()
    out = write_json(workspace.root / "reports" / "benchmarks" / "har.json", results)
    print(f"wrote {out}")
    for name in ("reference", "ours"):
        r = results[name]
        print(f"{name:>9}: test accuracy {r['test_accuracy']:.4f}, {r['train_seconds']:.0f} s of training")


if __name__ == "__main__":
    main()
