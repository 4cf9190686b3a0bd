"""Training of one MNIST classifier on the prepared splits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras
import pandas as pd

from redes.classifier import fit_classifier
from redes.mnist.data import MnistSplits
from redes.mnist.models import build_model
from redes.mnist.params import MnistCnn, MnistMlp


def train(
    model_name: str,
    params: MnistMlp | MnistCnn,
    splits: MnistSplits,
    *,
    seed: int,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> tuple[keras.Model, pd.DataFrame]:
    """Fit `model_name` on the training split (batches shuffled from `seed`), early-stopping on validation."""
    return fit_classifier(
        lambda: build_model(model_name, params),
        params,
        (splits.x_train, splits.y_train),
        (splits.x_val, splits.y_val),
        seed=seed,
        backup_dir=backup_dir,
        distribution=distribution,
        callbacks=callbacks,
        verbose=verbose,
    )
