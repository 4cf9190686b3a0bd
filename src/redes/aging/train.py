"""The CAAE built from its params and trained through the course's resumable fit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from redes.aging import models
from redes.aging.caae import Caae, LossWeights
from redes.aging.groups import age_group
from redes.aging.params import CaaeParams
from redes.training import distribution_scope, fit_resumable


def build_caae(params: CaaeParams, image_size: int, seed: int, steps_per_epoch: int) -> Caae:
    """The players of `params` for faces of image_size, compiled (weights from Keras' global seed).

    `steps_per_epoch` (batches per epoch) sets the length of a cosine decay of the learning rate.
    """
    caae = Caae(
        models.encoder(image_size, params.encoder_filters, params.kernel_size, params.z_dim),
        models.generator(image_size, params.generator_filters, params.kernel_size, params.z_dim, params.tile_labels),
        models.z_discriminator(params.z_dim, params.z_discriminator_units),
        models.image_discriminator(
            image_size,
            params.image_discriminator_filters,
            params.kernel_size,
            params.image_discriminator_labels,
            age_head=params.losses.age_classification > 0,
        ),
        LossWeights(**params.losses.model_dump()),
        random_targets=params.random_targets,
        seed=seed,
        z_age_classifier=(
            models.z_age_classifier(params.z_dim, params.z_discriminator_units)
            if params.losses.z_age_hiding > 0
            else None
        ),
    )
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = params.learning_rate
    if params.lr_schedule == "cosine":
        learning_rate = keras.optimizers.schedules.CosineDecay(params.learning_rate, params.epochs * steps_per_epoch)
    caae.compile(learning_rate=learning_rate, beta_1=params.beta_1)
    return caae


def face_labels(ages: np.ndarray, genders: np.ndarray) -> np.ndarray:
    """(N, 2) int32: each face's age group and gender, what `Caae.fit` takes beside the faces."""
    return np.stack([age_group(ages), genders], axis=1).astype(np.int32)


def train_caae(
    params: CaaeParams,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    seed: int,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> tuple[Caae, pd.DataFrame]:
    """Fit on (uint8 faces, ages, genders), scoring the reconstruction of the validation faces each epoch."""
    faces, ages, genders = train
    with distribution_scope(distribution):
        caae = build_caae(params, faces.shape[1], seed, steps_per_epoch=math.ceil(len(faces) / params.batch_size))
    history = fit_resumable(
        caae,
        faces,
        face_labels(ages, genders),
        batch_size=params.batch_size,
        epochs=params.epochs,
        seed=seed,
        backup_dir=backup_dir,
        callbacks=callbacks,
        verbose=verbose,
        validation_data=(validation[0], face_labels(validation[1], validation[2])),
    )
    return caae, history
