"""The age estimator: the judge of the aged faces, trained on real training faces only.

DEX (Rothe, Timofte, Van Gool 2018) reads an age as the expected value of per-year
probabilities. Here the per-year target is a Gaussian of `label_sigma` years around the
true age (neighbouring ages look alike, so a face of 30 called 31 is not as wrong as one
called 60), and the loss also charges the expected age's absolute error, the number that is
reported. `balanced_class_weights` weighs every age group alike (UTKFace holds eight times
more faces of 21-30 than of 11-15), so the judge is not biased towards the crowded groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from keras import layers, ops

from redes.aging.groups import OLDEST_AGE, age_group
from redes.aging.params import AgeEstimatorParams
from redes.classifier import balanced_class_weights, fit_classifier

YEARS = np.arange(OLDEST_AGE + 1, dtype=np.float32)


def expected_age(probabilities: np.ndarray) -> np.ndarray:
    """The expected value of per-year probabilities (N, OLDEST_AGE + 1): the estimated ages (N,)."""
    return np.asarray(probabilities, dtype=np.float64) @ YEARS.astype(np.float64)


@keras.saving.register_keras_serializable(package="redes")
def age_mae(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Mean absolute error in years of the expected age."""
    return ops.abs(ops.sum(y_pred * YEARS, axis=1) - ops.cast(ops.reshape(y_true, (-1,)), "float32"))


@keras.saving.register_keras_serializable(package="redes")
class SoftAgeLoss(keras.losses.Loss):
    """Cross-entropy against a Gaussian over the years around each true age, plus |expected age - age| / scale."""

    def __init__(self, sigma: float, mae_scale: float = 10.0, name: str = "soft_age_loss", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.sigma, self.mae_scale = sigma, mae_scale

    def call(self, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
        ages = ops.cast(ops.reshape(y_true, (-1, 1)), "float32")
        target = ops.exp(-0.5 * ops.square((YEARS[np.newaxis, :] - ages) / self.sigma))
        target = target / ops.sum(target, axis=1, keepdims=True)
        cross_entropy = -ops.sum(target * ops.log(ops.clip(y_pred, 1e-7, 1.0)), axis=1)
        return cross_entropy + age_mae(y_true, y_pred) / self.mae_scale

    def get_config(self) -> dict:
        return {**super().get_config(), "sigma": self.sigma, "mae_scale": self.mae_scale}


def group_balanced_weights(ages: np.ndarray) -> dict[int, float]:
    """Each age's weight: that of its age group, balanced (n / (groups * n_group))."""
    by_group = balanced_class_weights(age_group(ages))
    return {int(age): by_group[int(age_group(age))] for age in np.unique(ages)}


def train_estimator(
    params: AgeEstimatorParams,
    train: tuple[np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    *,
    image_size: int,
    seed: int,
    backup_dir: Path,
    distribution: str = "one_device",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 2,
) -> tuple[keras.Model, pd.DataFrame]:
    """Train on (faces in [-1, 1], ages); early stopping on the validation MAE. The model and its history."""
    return fit_classifier(
        lambda: age_estimator(image_size, params.filters, params.convs_per_block, params.dropout),
        params,
        train,
        validation,
        seed=seed,
        backup_dir=backup_dir,
        distribution=distribution,
        callbacks=callbacks,
        verbose=verbose,
        loss=SoftAgeLoss(params.label_sigma),
        metrics=[age_mae],
        monitor=("val_age_mae", "min"),
        class_weights=group_balanced_weights,
    )


def age_estimator(image_size: int, filters: list[int], convs_per_block: int, dropout: float) -> keras.Model:
    """Face in [-1, 1] to probabilities of each year 0..OLDEST_AGE (redes.aging.estimator reads the age).

    The layer `features` (global average of the last block) is the space in which the
    evaluation's Fréchet distance compares real and generated faces.
    """
    face = keras.Input((image_size, image_size, 3), name="face")
    x = layers.RandomFlip("horizontal", name="flip")(face)
    x = layers.RandomTranslation(0.05, 0.05, fill_mode="nearest", name="shift")(x)
    for block, count in enumerate(filters):
        for conv in range(convs_per_block):
            x = layers.Conv2D(count, 3, padding="same", use_bias=False, name=f"conv_{block}_{conv}")(x)
            x = layers.BatchNormalization(name=f"batch_norm_{block}_{conv}")(x)
            x = layers.ReLU()(x)
        x = layers.MaxPooling2D(name=f"pool_{block}")(x)
    features = layers.GlobalAveragePooling2D(name="features")(x)
    x = layers.Dropout(dropout, name="dropout")(features)
    probabilities = layers.Dense(OLDEST_AGE + 1, activation="softmax", name="age_probabilities")(x)
    return keras.Model(face, probabilities, name="age_estimator")


def estimate_ages(model: keras.Model, faces: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Estimated ages (N,) of faces in [-1, 1]."""
    return expected_age(model.predict(faces, batch_size=batch_size, verbose=0))


def estimator_features(model: keras.Model, faces: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The estimator's `features` layer (N, F) for faces in [-1, 1]: the space of the Fréchet distance."""
    features = keras.Model(model.input, model.get_layer("features").output)
    return features.predict(faces, batch_size=batch_size, verbose=0)
