"""The `aging` section of params.yaml: the UTKFace split, the age estimator (the judge) and the CAAE."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from redes.schema import Fraction, PositiveFloat, PositiveInt, Section, TrainingParams

Filters = Annotated[list[PositiveInt], Field(min_length=1)]
NonNegative = Annotated[float, Field(ge=0.0)]


class AgingData(Section):
    # Faces are resized to image_size x image_size: 64 on a CPU, 128 (the paper's) on a GPU.
    image_size: Annotated[int, Field(ge=16, le=256, multiple_of=16)]
    validation_fraction: Fraction
    test_fraction: Fraction

    @model_validator(mode="after")
    def _room_to_train(self) -> AgingData:
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError(
                f"validation_fraction + test_fraction = {self.validation_fraction + self.test_fraction} "
                "leaves nothing to train on; keep it below 1"
            )
        return self


class AgeEstimatorParams(TrainingParams):
    """A CNN that reads an age from a face (redes.aging.estimator); early stopping watches the validation MAE.

    `balanced_class_weights` weighs every age group alike.
    """

    filters: Filters  # one block each: 3x3 convolutions with batch norm, then 2x2 max pooling
    convs_per_block: PositiveInt
    dropout: Fraction
    # The per-year target is a Gaussian of this width (years) around the true age, not a one-hot.
    label_sigma: PositiveFloat


class CaaeLossWeights(Section):
    """Weights of the encoder-generator's loss terms (the discriminators' losses are unweighted)."""

    reconstruction: PositiveFloat  # L1 between a face and its rendering at its own age
    structural_dissimilarity: NonNegative  # 1 - SSIM between them (0: the plain CAAE's L1 alone)
    total_variation: NonNegative
    image_adversarial: NonNegative  # fool the image discriminator
    z_adversarial: NonNegative  # fool the z discriminator: the code looks uniform
    age_classification: NonNegative  # the image discriminator's age head reads the target group (0: plain CAAE)
    z_age_hiding: NonNegative  # the z age classifier reads no age group from the code (0: plain CAAE, no classifier)


class CaaeParams(Section):
    """The conditional adversarial autoencoder of Zhang, Song, Qi (2017), at any image size."""

    z_dim: PositiveInt
    kernel_size: PositiveInt
    encoder_filters: Filters  # stride-2 convolutions: the image shrinks by 2 per entry
    generator_filters: Filters  # stride-2 transposed convolutions from the smallest map up
    image_discriminator_filters: Filters
    # How the image discriminator reads the labels: tiled after its first convolution (the paper),
    # or by projection, which leaves its features label-free for an age head (redes.aging.models).
    image_discriminator_labels: Literal["after_first_conv", "projection"]
    z_discriminator_units: Filters
    # Repeat the age and gender one-hots so they weigh as much as z in the generator's input (the authors' code).
    tile_labels: bool
    # Also render every face at a random age group (its own included) each step, judged by the image discriminator.
    random_targets: bool
    losses: CaaeLossWeights
    learning_rate: PositiveFloat
    # cosine: each player's rate decays to 0 over the training, to settle the game at its end (the paper: constant).
    lr_schedule: Literal["constant", "cosine"]
    beta_1: Annotated[float, Field(ge=0.0, lt=1.0)]
    batch_size: PositiveInt
    epochs: PositiveInt

    @model_validator(mode="after")
    def _same_depth(self) -> CaaeParams:
        if len(self.encoder_filters) != len(self.generator_filters):
            raise ValueError(
                f"encoder_filters has {len(self.encoder_filters)} entries and generator_filters "
                f"{len(self.generator_filters)}: the generator must grow the image as much as the encoder shrinks it"
            )
        if self.losses.age_classification > 0 and self.image_discriminator_labels != "projection":
            raise ValueError(
                "losses.age_classification > 0 needs the image discriminator's age head, which reads label-free "
                "features: set image_discriminator_labels to projection"
            )
        return self


class AgingParams(Section):
    data: AgingData
    estimator: AgeEstimatorParams
    caae: CaaeParams

    @model_validator(mode="after")
    def _image_fits_the_nets(self) -> AgingParams:
        for key, filters in (
            ("caae.encoder_filters", self.caae.encoder_filters),
            ("caae.image_discriminator_filters", self.caae.image_discriminator_filters),
            ("estimator.filters", self.estimator.filters),
        ):
            if self.data.image_size % 2 ** len(filters) or self.data.image_size < 2 ** (len(filters) + 1):
                raise ValueError(
                    f"data.image_size {self.data.image_size} cannot be halved {len(filters)} times to at least "
                    f"2 pixels, once per entry of {key}; use fewer entries or a larger image"
                )
        return self


# The authors' CAAE (Zhang, Song, Qi 2017 and their code) as a `caae` section, at any image size:
# the plain recipe benchmarks/aging.py sets ours against, and the tests' example section.
PAPER_CAAE: dict = {
    "z_dim": 50,
    "kernel_size": 5,
    "encoder_filters": [64, 128, 256, 512],
    "generator_filters": [512, 256, 128, 64],
    "image_discriminator_filters": [16, 32, 64, 128],
    "image_discriminator_labels": "after_first_conv",
    "z_discriminator_units": [64, 32, 16],
    "tile_labels": True,
    "random_targets": False,
    "losses": {
        "reconstruction": 1.0,
        "structural_dissimilarity": 0.0,
        "total_variation": 0.0,
        "image_adversarial": 0.0001,
        "z_adversarial": 0.0,
        "age_classification": 0.0,
        "z_age_hiding": 0.0,
    },
    "learning_rate": 0.0002,
    "lr_schedule": "constant",
    "beta_1": 0.5,
    "batch_size": 100,
    "epochs": 50,
}
