"""The HAR window classifiers (notes §3.8-3.14), Keras Functional API, every hyperparameter from params.

One builder for the four models of params: `simple_rnn`, `lstm` and `gru` are stacked
recurrent layers of that cell (the notes' eq. for h_t, and the gated cells); `conv_lstm`
puts Conv1D blocks in front of an LSTM, so the cell reads learned local features of a
shorter sequence. With `frame_length` k the cell reads k consecutive samples per step:
fewer steps make a recurrent net several times faster on a CPU and easier to train,
as the gradient crosses fewer steps.

The body-motion channels first go through a signed-log compression. Standardised
with statistics dominated by walking, the sway and breathing of a still body are
hundredths of a unit: too small for the cells to see, yet they are what tells
sitting from standing across people (a still person sways more standing up).
asinh(x / c) is linear below c and logarithmic above, so milli-g sway and walking's
swings both land in the cells' working range.
"""

from __future__ import annotations

import keras
from keras import layers

from redes.har.params import HAR_MODELS, HarModel, SignalAugmentation

CELLS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU, "conv_lstm": layers.LSTM}


@keras.saving.register_keras_serializable(package="redes")
class RandomGain(layers.Layer):
    """Multiplies each window's channels by random gains around 1 (training only).

    Sensors differ in calibration and wearers in how hard they move; a random gain per
    window and channel teaches the net that the amplitude of a channel varies.
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: keras.KerasTensor, training: bool | None = None) -> keras.KerasTensor:
        if not training or not self.stddev:
            return inputs
        shape = (keras.ops.shape(inputs)[0], 1, keras.ops.shape(inputs)[2])
        return inputs * (1.0 + self.stddev * keras.random.normal(shape, seed=self.seed_generator))

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@keras.saving.register_keras_serializable(package="redes")
class SignedLogCompression(layers.Layer):
    """x -> asinh(x / scale) on the chosen channels, the others passed through unchanged."""

    def __init__(self, scale: float, channels: list[int], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.scale = scale
        self.channels = list(channels)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.mask = keras.ops.convert_to_tensor([index in self.channels for index in range(input_shape[-1])])

    def call(self, inputs: keras.KerasTensor) -> keras.KerasTensor:
        return keras.ops.where(self.mask, keras.ops.arcsinh(inputs / self.scale), inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "channels": self.channels}


def _augment(inputs: keras.KerasTensor, augmentation: SignalAugmentation, seed: int) -> keras.KerasTensor:
    x = inputs
    if augmentation.gain:
        x = RandomGain(augmentation.gain, seed=seed, name="random_gain")(x)
    if augmentation.noise:
        x = layers.GaussianNoise(augmentation.noise, seed=seed, name="gaussian_noise")(x)
    return x


def build_model(
    name: str, params: HarModel, window_length: int, channels: tuple[str, ...], classes: int, seed: int
) -> keras.Model:
    """Windows (batch, window_length, channels) to class probabilities (batch, classes).

    `channels` names the input channels (redes.har.data.CHANNELS): those of body
    motion (`body_*`) are the ones compressed.
    """
    if name not in HAR_MODELS:
        raise ValueError(f"unknown HAR model {name!r}; expected one of {', '.join(HAR_MODELS)}")
    inputs = keras.Input(shape=(window_length, len(channels)), name="window")
    x = _augment(inputs, params.augmentation, seed)
    if params.body_compression:
        body = [index for index, channel in enumerate(channels) if channel.startswith("body_")]
        x = SignedLogCompression(params.body_compression, body, name="body_compression")(x)
    if params.frame_length > 1:
        x = layers.Reshape((window_length // params.frame_length, params.frame_length * len(channels)), name="frames")(
            x
        )
    for block, filters in enumerate(params.conv_filters, start=1):
        # With batch norm the convolution's bias is redundant (BN's beta plays its role).
        x = layers.Conv1D(filters, params.conv_kernel_size, padding="same", use_bias=False, name=f"conv{block}")(x)
        x = layers.BatchNormalization(name=f"conv{block}_bn")(x)
        x = layers.Activation("relu", name=f"conv{block}_relu")(x)
        x = layers.MaxPooling1D(pool_size=2, name=f"conv{block}_pool")(x)
    for index, units in enumerate(params.units, start=1):
        # Every layer but the last hands its whole sequence h_1..h_T to the next one.
        recurrent = CELLS[name](units, return_sequences=index < len(params.units), name=f"{name}_{index}")
        if params.bidirectional:
            recurrent = layers.Bidirectional(recurrent, name=f"bidirectional_{index}")
        x = recurrent(x)
        if params.dropout:
            x = layers.Dropout(params.dropout, name=f"dropout_{index}")(x)
    outputs = layers.Dense(classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=f"har_{name}")
