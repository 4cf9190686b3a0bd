"""The two MNIST classifiers, Keras Functional API, every hyperparameter from params.

MLP: eq. (35)-(36) of the notes stacked, a^[l] = g(W^[l] a^[l-1] + b^[l]), with a
softmax output layer. CNN: blocks of 3x3 convolutions and 2x2 max pooling, then
dropout and a softmax layer (the keras-io `mnist_convnet` shape, with optional
batch norm, a dense layer and augmentation). AirCalc builds its recogniser from the CNN.
"""

from __future__ import annotations

import keras
from keras import layers

from redes.mnist.data import IMAGE_SHAPE
from redes.mnist.params import Augmentation, MnistCnn, MnistMlp

N_CLASSES = 10


@keras.saving.register_keras_serializable(package="redes")
class RandomPenGrowth(layers.Layer):
    """Thickens each image's strokes by a random 0..`max_steps` pixels (training only).

    Each step is a grey dilation by a 2x2 max filter: a stroke one pixel wider, grown up
    and left (half a pixel of shift, well inside the translation jitter). Symbols from
    different datasets come with different pens; a random pen teaches the net that the
    pen says nothing about the class.
    """

    def __init__(self, max_steps: int, seed: int | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.max_steps = max_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: keras.KerasTensor, training: bool | None = None) -> keras.KerasTensor:
        if not training or not self.max_steps:
            return inputs
        grown = [inputs]
        for _ in range(self.max_steps):
            grown.append(keras.ops.max_pool(grown[-1], pool_size=2, strides=1, padding="same"))
        steps = keras.random.randint((keras.ops.shape(inputs)[0],), 0, self.max_steps + 1, seed=self.seed_generator)
        # (batch, steps + 1) one-hot weights pick each image's own pen out of the stack.
        choice = keras.ops.one_hot(steps, self.max_steps + 1, dtype=inputs.dtype)
        return keras.ops.einsum("bs,bshwc->bhwc", choice, keras.ops.stack(grown, axis=1))

    def get_config(self) -> dict:
        return {**super().get_config(), "max_steps": self.max_steps, "seed": self.seed}


def _augment(inputs: keras.KerasTensor, augmentation: Augmentation) -> keras.KerasTensor:
    """Random pen and affine jitter, active in training only; empty pixels are filled with black."""
    x = inputs
    if augmentation.pen_growth:
        x = RandomPenGrowth(augmentation.pen_growth, name="random_pen_growth")(x)
    if augmentation.rotation:
        x = layers.RandomRotation(augmentation.rotation, fill_mode="constant", name="random_rotation")(x)
    if augmentation.translation:
        x = layers.RandomTranslation(
            augmentation.translation, augmentation.translation, fill_mode="constant", name="random_translation"
        )(x)
    if augmentation.zoom:
        x = layers.RandomZoom(augmentation.zoom, fill_mode="constant", name="random_zoom")(x)
    return x


def build_mlp(params: MnistMlp) -> keras.Model:
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    x = layers.Flatten(name="flatten")(_augment(inputs, params.augmentation))
    for index, units in enumerate(params.hidden_units, start=1):
        x = layers.Dense(units, activation=params.activation, name=f"hidden_{index}")(x)
        if params.dropout:
            x = layers.Dropout(params.dropout, name=f"dropout_{index}")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_mlp")


def build_cnn(params: MnistCnn) -> keras.Model:
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    x = _augment(inputs, params.augmentation)
    for block, filters in enumerate(params.filters, start=1):
        for conv in range(1, params.convs_per_block + 1):
            name = f"block{block}_conv{conv}"
            # With batch norm the convolution's bias is redundant (BN's beta plays its role).
            x = layers.Conv2D(filters, params.kernel_size, use_bias=not params.batch_norm, name=name)(x)
            if params.batch_norm:
                x = layers.BatchNormalization(name=f"{name}_bn")(x)
            x = layers.Activation("relu", name=f"{name}_relu")(x)
        x = layers.MaxPooling2D(pool_size=2, name=f"block{block}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    if params.dropout:
        x = layers.Dropout(params.dropout, name="dropout_features")(x)
    if params.dense_units:
        x = layers.Dense(params.dense_units, activation="relu", name="dense")(x)
        if params.dropout:
            x = layers.Dropout(params.dropout, name="dropout_dense")(x)
    outputs = layers.Dense(N_CLASSES, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


def build_model(name: str, params: MnistMlp | MnistCnn) -> keras.Model:
    if name == "mlp" and isinstance(params, MnistMlp):
        return build_mlp(params)
    if name == "cnn" and isinstance(params, MnistCnn):
        return build_cnn(params)
    raise ValueError(f"no MNIST model {name!r} for params of type {type(params).__name__}; expected mlp or cnn")
