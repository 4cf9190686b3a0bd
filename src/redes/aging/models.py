"""The CAAE's players (the age estimator that judges them is redes.aging.estimator's).

Faces enter every network as float32 in [-1, 1] (`redes.aging.data.to_unit_range`). Age groups and genders enter
as one-hot vectors in {-1, 1}, as in the authors' code, so a label weighs as much as a z entry.

The CAAE (Zhang, Song, Qi 2017), for an image of side S and n entries in `encoder_filters`:
* encoder: n stride-2 convolutions (ReLU), then a dense layer to z, tanh (so z lies in [-1, 1]);
* generator: z with the labels (repeated, when `tile_labels`, to z's length) to a dense map of
  S / 2^n pixels and 2·generator_filters[0] channels, n stride-2 transposed convolutions, one at
  stride 1 with half the last channels, and a stride-1 one to RGB, tanh: the authors' network
  with [512, 256, 128, 64];
* z discriminator: dense layers with batch norm on z, one logit (is z drawn from the uniform prior?);
* z age classifier (ours, with `z_age_hiding`): the same layers, a logit per age group;
* image discriminator: stride-2 convolutions with batch norm, one dense layer of 1,024 (leaky
  ReLU), and one logit (is this a real face of this age and gender?). The labels enter either
  as the paper's, tiled over the map after the first convolution (`after_first_conv`), or by
  projection (Miyato and Koyama 2018: the logit gains <embedding(labels), features>), which
  leaves the features label-free, so a second head can read the age group from them.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from redes.aging.groups import GENDERS, GROUP_NAMES

GROUPS = len(GROUP_NAMES)
DISCRIMINATOR_UNITS = 1024


def signed_one_hot(indices: np.ndarray, classes: int) -> np.ndarray:
    """One-hot vectors in {-1, 1}: the label convention of the authors' code."""
    return (2.0 * np.eye(classes, dtype=np.float32)[np.asarray(indices)] - 1.0).astype(np.float32)


def _label_copies(z_dim: int, classes: int, tile_labels: bool) -> int:
    return max(z_dim // classes, 1) if tile_labels else 1


def encoder(image_size: int, filters: list[int], kernel_size: int, z_dim: int) -> keras.Model:
    face = keras.Input((image_size, image_size, 3), name="face")
    x = face
    for index, count in enumerate(filters):
        x = layers.Conv2D(count, kernel_size, strides=2, padding="same", activation="relu", name=f"conv_{index}")(x)
    z = layers.Dense(z_dim, activation="tanh", name="z")(layers.Flatten()(x))
    return keras.Model(face, z, name="encoder")


def generator(image_size: int, filters: list[int], kernel_size: int, z_dim: int, tile_labels: bool) -> keras.Model:
    z = keras.Input((z_dim,), name="z")
    age_group = keras.Input((GROUPS,), name="age_group")
    gender = keras.Input((len(GENDERS),), name="gender")
    code = layers.Concatenate(name="code")(
        [
            z,
            *[age_group] * _label_copies(z_dim, GROUPS, tile_labels),
            *[gender] * _label_copies(z_dim, len(GENDERS), tile_labels),
        ]
    )
    side = image_size // 2 ** len(filters)
    x = layers.Dense(side * side * 2 * filters[0], activation="relu", name="dense_map")(code)
    x = layers.Reshape((side, side, 2 * filters[0]))(x)
    for index, count in enumerate(filters):
        x = layers.Conv2DTranspose(
            count, kernel_size, strides=2, padding="same", activation="relu", name=f"up_{index}"
        )(x)
    x = layers.Conv2DTranspose(max(filters[-1] // 2, 1), kernel_size, padding="same", activation="relu", name="refine")(
        x
    )
    face = layers.Conv2DTranspose(3, kernel_size, padding="same", activation="tanh", name="face")(x)
    return keras.Model({"z": z, "age_group": age_group, "gender": gender}, face, name="generator")


def _reader_of_z(z_dim: int, units: list[int], outputs: int, output_name: str, name: str) -> keras.Model:
    z = keras.Input((z_dim,), name="z")
    x = z
    for index, count in enumerate(units):
        x = layers.Dense(count, name=f"dense_{index}")(x)
        x = layers.BatchNormalization(name=f"batch_norm_{index}")(x)
        x = layers.ReLU()(x)
    return keras.Model(z, layers.Dense(outputs, name=output_name)(x), name=name)


def z_discriminator(z_dim: int, units: list[int]) -> keras.Model:
    return _reader_of_z(z_dim, units, 1, "logit", "z_discriminator")


def z_age_classifier(z_dim: int, units: list[int]) -> keras.Model:
    """The z discriminator's network with a logit per age group: what age a code gives away."""
    return _reader_of_z(z_dim, units, GROUPS, "age_logits", "z_age_classifier")


def image_discriminator(
    image_size: int, filters: list[int], kernel_size: int, labels: str, age_head: bool
) -> keras.Model:
    """Outputs {"logit"} and, with `age_head` (projection only), {"age_logits"} over the age groups."""
    if labels not in ("after_first_conv", "projection"):
        raise ValueError(f"image discriminator labels {labels!r}: expected after_first_conv or projection")
    if age_head and labels != "projection":
        raise ValueError("an age head needs label-free features: use projection labels")
    face = keras.Input((image_size, image_size, 3), name="face")
    age_group = keras.Input((GROUPS,), name="age_group")
    gender = keras.Input((len(GENDERS),), name="gender")
    label_vector = layers.Concatenate(name="labels")([age_group, *[gender] * (GROUPS // len(GENDERS))])
    x = face
    for index, count in enumerate(filters):
        x = layers.Conv2D(count, kernel_size, strides=2, padding="same", name=f"conv_{index}")(x)
        if index > 0:
            x = layers.BatchNormalization(name=f"batch_norm_{index}")(x)
        x = layers.ReLU()(x)
        if index == 0 and labels == "after_first_conv":
            side = x.shape[1]
            tiled = layers.UpSampling2D(size=side, name="tiled_labels")(
                layers.Reshape((1, 1, label_vector.shape[-1]))(label_vector)
            )
            x = layers.Concatenate(name="conv_0_with_labels")([x, tiled])
    features = layers.LeakyReLU(0.2)(layers.Dense(DISCRIMINATOR_UNITS, name="features")(layers.Flatten()(x)))
    logit = layers.Dense(1, name="real")(features)
    outputs = {}
    if labels == "projection":
        embedding = layers.Dense(DISCRIMINATOR_UNITS, use_bias=False, name="label_embedding")(label_vector)
        logit = layers.Add(name="logit")([logit, layers.Dot(axes=1, name="projection")([embedding, features])])
    outputs["logit"] = logit
    if age_head:
        outputs["age_logits"] = layers.Dense(GROUPS, name="age_logits")(features)
    return keras.Model({"face": face, "age_group": age_group, "gender": gender}, outputs, name="image_discriminator")
