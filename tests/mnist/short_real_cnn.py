"""A short run of the real CNN recipe on real MNIST, for tests that kill it: `python -m tests.mnist.short_real_cnn OUT`.

The recipe is params.yaml's CNN (augmentation, batch norm, dropout, cosine decay, early
stopping with the best weights restored) on narrower layers and 1,536 of the published
training images, so an epoch takes a second or two. It trains with its backup in
`OUT/backup` (resuming from it like a stage does) and writes the final variables and the
history to `OUT/result.npz`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

from redes.mnist.data import MnistSplits, prepare
from redes.mnist.train import train
from redes.sections import validate_all_params
from redes.seeding import seed_everything
from tests.helpers import REPO_ROOT

TRAINING_IMAGES = 1536


def real_short_splits(mirror: Path) -> MnistSplits:
    splits = prepare(mirror / "mnist", validation_size=256, seed=0)
    subset = {"x_train": splits.x_train[:TRAINING_IMAGES], "y_train": splits.y_train[:TRAINING_IMAGES]}
    return MnistSplits(**{**splits.__dict__, **subset})


def main(out: Path, mirror: Path) -> None:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["mnist"]["cnn"].update(filters=[8, 16], dense_units=32, epochs=6, early_stopping_patience=2)
    cnn = validate_all_params(params).mnist.cnn
    assert cnn.augmentation.rotation and cnn.batch_norm and cnn.dropout, "the recipe under test must be random"
    seed_everything(0, deterministic=True)
    model, history = train("cnn", cnn, real_short_splits(mirror), seed=0, backup_dir=out / "backup", verbose=0)
    variables = {f"variable_{i:03d}": np.asarray(v) for i, v in enumerate(model.variables)}
    history = history.drop(columns="epoch_seconds")
    np.savez(out / "result.npz", columns=np.array(list(history.columns)), history=history.to_numpy(), **variables)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
