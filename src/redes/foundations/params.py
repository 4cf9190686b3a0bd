"""The `foundations` section of params.yaml: the sizes and settings each check of the notes runs at."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from redes.schema import PositiveFloat, PositiveInt, Section


class LinearRegressionParams(Section):
    """§1 on the diabetes set; rates are per example, as J sums over the examples (3)."""

    learning_rate: PositiveFloat  # batch gradient descent (7-8)
    iterations: PositiveInt
    sgd_learning_rate: PositiveFloat  # α₀ of SGD (9); the constant α of the LMS curve
    sgd_decay_epochs: PositiveFloat  # α = α₀ / (1 + epoch / sgd_decay_epochs)
    sgd_epochs: PositiveInt  # passes over the 442 examples
    # The relative distance to the least-squares θ that SGD must end within (it nears it as 1/epochs).
    sgd_tolerance: PositiveFloat
    underdetermined_examples: PositiveInt  # rows kept for the XᵀX-singular case (< 11 columns)


# The breast-cancer set's 30 features as scikit-learn names them: each measure's mean, error and worst value.
_TUMOUR_MEASURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity")
_TUMOUR_MEASURES += ("concave points", "symmetry", "fractal dimension")
BREAST_CANCER_FEATURES = (
    *(f"mean {measure}" for measure in _TUMOUR_MEASURES),
    *(f"{measure} error" for measure in _TUMOUR_MEASURES),
    *(f"worst {measure}" for measure in _TUMOUR_MEASURES),
)


class LogisticRegressionParams(Section):
    """§2 on the breast-cancer set: gradient ascent on the log-likelihood."""

    features: Annotated[list[str], Field(min_length=2)]  # scikit-learn's names; the first two are plotted
    learning_rate: PositiveFloat
    iterations: PositiveInt

    @field_validator("features")
    @classmethod
    def _known_features(cls, features: list[str]) -> list[str]:
        unknown = [name for name in features if name not in BREAST_CANCER_FEATURES]
        if unknown:
            raise ValueError(
                f"unknown breast-cancer feature(s) {unknown}: names are 'mean <measure>', '<measure> error' or "
                f"'worst <measure>' with <measure> one of {', '.join(_TUMOUR_MEASURES)}"
            )
        return features


FoundationsActivation = Literal["sigmoid", "relu", "tanh", "leaky_relu", "gelu"]


class BackpropParams(Section):
    batch_size: PositiveInt
    input_size: PositiveInt
    hidden_sizes: Annotated[list[PositiveInt], Field(min_length=1)]
    classes: Annotated[int, Field(ge=2)]
    finite_difference_step: PositiveFloat


class KerasApisParams(Section):
    """The two-layer network of eq. (35), built three ways."""

    batch_size: PositiveInt
    input_size: PositiveInt
    hidden_size: PositiveInt
    outputs: PositiveInt
    activation: FoundationsActivation


class AutodiffParams(Section):
    expressions: PositiveInt  # random expressions in the battery
    depth: PositiveInt  # depth of each expression tree


class LayersParams(Section):
    batch_size: PositiveInt
    height: PositiveInt
    width: PositiveInt
    channels: PositiveInt
    filters: PositiveInt
    kernel_size: PositiveInt


class RecurrentParams(Section):
    batch_size: PositiveInt
    timesteps: PositiveInt
    features: PositiveInt
    units: PositiveInt


class AttentionParams(Section):
    batch_size: PositiveInt
    sequence_length: PositiveInt
    model_size: PositiveInt
    heads: PositiveInt
    # Keras' key_dim, free of d_model / heads, so the weight mapping is checked with d_k ≠ d_model / h too.
    key_size: PositiveInt
    mlp_size: PositiveInt

    @model_validator(mode="after")
    def _heads_split_model_size(self) -> AttentionParams:
        # As the notes do: d_model split evenly among the heads.
        if self.model_size % self.heads:
            raise ValueError(f"model_size {self.model_size} is not divisible by heads {self.heads}")
        return self


class GanParams(Section):
    """§3.16: Algorithm 1 of Goodfellow et al. on a 1-D mixture of Gaussians."""

    mixture_weights: Annotated[list[PositiveFloat], Field(min_length=1)]
    mixture_means: Annotated[list[float], Field(min_length=1)]
    mixture_stds: Annotated[list[PositiveFloat], Field(min_length=1)]
    latent_size: PositiveInt
    hidden_units: PositiveInt
    generator_steps: PositiveInt
    discriminator_steps: PositiveInt  # k of Algorithm 1
    batch_size: PositiveInt  # m of Algorithm 1
    learning_rate: PositiveFloat
    evaluation_samples: PositiveInt
    generator_loss: Literal["minimax", "non_saturating"]
    # The check passes when W1(trained) <= max_wasserstein_ratio * W1(untrained).
    max_wasserstein_ratio: Annotated[float, Field(gt=0.0, le=1.0)]

    @model_validator(mode="after")
    def _one_mixture(self) -> GanParams:
        sizes = {len(self.mixture_weights), len(self.mixture_means), len(self.mixture_stds)}
        if len(sizes) != 1:
            raise ValueError("mixture_weights, mixture_means and mixture_stds must have the same length")
        if abs(sum(self.mixture_weights) - 1.0) > 1e-9:
            raise ValueError(f"mixture_weights must sum to 1, got {sum(self.mixture_weights)}")
        return self


class FoundationsParams(Section):
    """The from-scratch implementations of the notes and the sizes they are checked at."""

    linear: LinearRegressionParams
    logistic: LogisticRegressionParams
    backprop: BackpropParams
    keras_apis: KerasApisParams
    autodiff: AutodiffParams
    layers: LayersParams
    recurrent: RecurrentParams
    attention: AttentionParams
    gan: GanParams
