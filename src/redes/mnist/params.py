"""The `mnist` section of params.yaml: the validation split and the two classifiers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from redes.schema import Activation, Fraction, PositiveInt, Section, TrainingParams

MNIST_MODELS = ("mlp", "cnn")


class Augmentation(Section):
    """Random pen and affine jitter applied to training images only (0 disables each)."""

    # Strokes thicken by a random 0..pen_growth pixels (grey dilations of the ink).
    pen_growth: Annotated[int, Field(ge=0)]
    translation: Fraction
    rotation: Fraction  # fraction of a full turn, as keras.layers.RandomRotation takes it
    zoom: Fraction


class MnistData(Section):
    validation_size: PositiveInt  # images held out of the 60,000 training images


class MnistMlp(TrainingParams):
    augmentation: Augmentation
    hidden_units: Annotated[list[PositiveInt], Field(min_length=1)]
    activation: Activation
    dropout: Fraction


class MnistCnn(TrainingParams):
    augmentation: Augmentation
    filters: Annotated[list[PositiveInt], Field(min_length=1)]  # one conv block each, then 2x2 max pooling
    convs_per_block: PositiveInt
    kernel_size: PositiveInt
    batch_norm: bool
    dense_units: Annotated[int, Field(ge=0)]  # 0: straight from the features to the softmax
    dropout: Fraction


class MnistParams(Section):
    data: MnistData
    mlp: MnistMlp
    cnn: MnistCnn

    def model(self, name: str) -> MnistMlp | MnistCnn:
        if name not in MNIST_MODELS:
            raise ValueError(f"unknown MNIST model {name!r}; expected one of {', '.join(MNIST_MODELS)}")
        return getattr(self, name)
