"""Tiny faces and a tiny CAAE for the face-aging tests: seconds to build and train."""

from __future__ import annotations

import copy
import io
import os
import tarfile
from pathlib import Path

import keras
import numpy as np
from PIL import Image

from redes.aging import models
from redes.aging.caae import Caae, LossWeights
from redes.aging.data import parse_face_name
from redes.aging.groups import age_group
from redes.aging.params import PAPER_CAAE
from redes.aging.render import Ager
from tests.helpers.synthetic import synthetic_face

SIZE = 16


def tiny_faces(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic uint8 faces of random ages and their labels (N, 2): age group and gender, as the CAAE takes them."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(1, 90, count)
    genders = rng.integers(0, 2, count)
    big = np.stack(
        [synthetic_face(int(age), int(gender), rng, size=SIZE * 4) for age, gender in zip(ages, genders, strict=True)]
    )
    small = big.reshape(count, SIZE, 4, SIZE, 4, 3).mean(axis=(2, 4)).astype(np.uint8)
    return small, np.stack([age_group(ages), genders], axis=1)


def tiny_caae(weights: LossWeights, random_targets: bool, labels: str, age_head: bool) -> Caae:
    """A compiled CAAE for SIZE x SIZE faces, its weights drawn from seed 0."""
    keras.utils.set_random_seed(0)
    caae = Caae(
        models.encoder(SIZE, [8, 16], kernel_size=3, z_dim=16),
        models.generator(SIZE, [16, 8], kernel_size=3, z_dim=16, tile_labels=True),
        models.z_discriminator(16, [8]),
        models.image_discriminator(SIZE, [8, 16], kernel_size=3, labels=labels, age_head=age_head),
        weights,
        random_targets=random_targets,
        seed=0,
        z_age_classifier=models.z_age_classifier(16, [8]) if weights.z_age_hiding > 0 else None,
    )
    caae.compile(learning_rate=5e-3, beta_1=0.5)
    return caae


PLAIN_WEIGHTS = LossWeights(1.0, 0.0, 1e-4, 0.0, 0.0)  # the authors' code: L1 and a whisper of adversary


def save_tiny_ager(folder: Path) -> Path:
    """An untrained SIZE x SIZE face ager saved as `dvc repro aging_train` saves one: enough to render."""
    caae = tiny_caae(PLAIN_WEIGHTS, random_targets=False, labels="after_first_conv", age_head=False)
    return Ager(caae.encoder, caae.generator).save(folder)


def utkface_faces(count: int) -> list[np.ndarray]:
    """The first `count` faces of 30-39 year-olds in the real UTKFace archive (200x200 RGB)."""
    faces = []
    with tarfile.open(Path(os.environ["REDES_DATA_MIRROR"]) / "utkface" / "UTKFace.tar.gz", "r:gz") as archive:
        for member in archive:
            label = parse_face_name(member.name)
            if member.isfile() and label is not None and 30 <= label.age <= 39:
                faces.append(np.asarray(Image.open(io.BytesIO(archive.extractfile(member).read())).convert("RGB")))
            if len(faces) == count:
                return faces
    raise AssertionError("too few faces")


def photo_of(faces: list[np.ndarray], scale: float) -> np.ndarray:
    """The faces, scaled, side by side on a wall of a plain colour: a photo that is no crop."""
    side = round(200 * scale)
    photo = np.full((side * 2, side * (len(faces) + 1), 3), (170, 190, 160), dtype=np.uint8)
    for index, face in enumerate(faces):
        left = side // 2 + index * side
        photo[side // 2 : side // 2 + side, left : left + side] = np.asarray(Image.fromarray(face).resize((side, side)))
    return photo


# An `aging` params section with the authors' CAAE settings at 64 pixels.
SECTION = {
    "data": {"image_size": 64, "validation_fraction": 0.1, "test_fraction": 0.1},
    "estimator": {
        "filters": [16, 32, 64, 128, 256],
        "convs_per_block": 2,
        "dropout": 0.3,
        "label_sigma": 2.0,
        "learning_rate": 0.001,
        "lr_schedule": "cosine",
        "weight_decay": 0.0001,
        "batch_size": 64,
        "epochs": 20,
        "early_stopping_patience": 5,
        "restore_best_weights": True,
        "balanced_class_weights": False,
    },
    "caae": copy.deepcopy(PAPER_CAAE),
}
