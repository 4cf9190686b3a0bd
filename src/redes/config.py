"""The params schema: `params.yaml` is loaded and validated once, here.

Every stage calls `load_params` before doing any work. A missing, unknown or
ill-typed key stops it with a `ParamsError` naming the key and the expected type,
so `dvc exp run -S mnist.cnn.epochs=five` fails in a second, not after a download.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from redes.errors import RedesError

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]


class Section(BaseModel):
    """A params section: strict types, no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BaseParams(Section):
    seed: Annotated[int, Field(ge=0)]
    deterministic: bool
    # tf.distribute strategy for training: one device here; `mirrored` on a multi-GPU
    # box; `multi_worker_mirrored` across machines (TF_CONFIG set by the launcher).
    distribution: Literal["one_device", "mirrored", "multi_worker_mirrored"]


class Augmentation(Section):
    """Random affine jitter applied to training images only (0 disables each)."""

    translation: Fraction
    rotation: Fraction  # fraction of a full turn, as keras.layers.RandomRotation takes it
    zoom: Fraction


class TrainingParams(Section):
    """What every Keras classifier of the course shares: the optimiser and the loop."""

    learning_rate: Annotated[float, Field(gt=0.0)]
    lr_schedule: Literal["constant", "cosine"]
    weight_decay: Annotated[float, Field(ge=0.0)]
    batch_size: PositiveInt
    epochs: PositiveInt
    early_stopping_patience: PositiveInt  # epochs without a better validation accuracy before stopping
    # End with the weights of the best validation epoch (true) or of the last epoch (false: for a
    # validation set that does not predict the test set well, e.g. a few easy subjects).
    restore_best_weights: bool
    # Batches between two backups of an interrupted training; resuming repeats at most this many.
    checkpoint_every_batches: PositiveInt
    # Weight each class's loss by n / (classes * n_class) ("balanced"), so rare classes count as much.
    balanced_class_weights: bool


Activation = Literal["relu", "gelu", "tanh", "sigmoid", "leaky_relu", "elu", "silu"]


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


MNIST_MODELS = ("mlp", "cnn")


class LinearRegressionParams(Section):
    """§1 on the diabetes set; rates are per example, as J sums over the examples (3)."""

    learning_rate: PositiveFloat  # batch gradient descent (7-8)
    iterations: PositiveInt
    sgd_learning_rate: PositiveFloat  # α₀ of SGD (9); the constant α of the LMS curve
    sgd_decay_epochs: PositiveFloat  # α = α₀ / (1 + epoch / sgd_decay_epochs)
    sgd_epochs: PositiveInt  # passes over the 442 examples
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
    key_size: PositiveInt
    mlp_size: PositiveInt


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


class HarData(Section):
    """From raw 50 Hz signals to UCI-HAR-style windows (Anguita et al. 2013), and the split by subject."""

    sampling_hz: PositiveFloat
    median_kernel: PositiveInt  # odd; samples
    noise_cutoff_hz: PositiveFloat  # low-pass Butterworth against sensor noise
    gravity_cutoff_hz: PositiveFloat  # low-pass Butterworth that keeps only gravity
    filter_order: PositiveInt
    window_length: PositiveInt  # samples (128 = 2.56 s at 50 Hz)
    window_step: PositiveInt  # samples between window starts (64: 50 % overlap)
    activities: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=2)]  # HAPT activity ids
    test_subjects: Annotated[list[Annotated[int, Field(ge=1, le=30)]], Field(min_length=1)]
    validation_subjects: Annotated[list[Annotated[int, Field(ge=1, le=30)]], Field(min_length=1)]

    @model_validator(mode="after")
    def _disjoint_subjects(self) -> HarData:
        shared = sorted(set(self.test_subjects) & set(self.validation_subjects))
        if shared:
            raise ValueError(f"subjects {shared} are in both test_subjects and validation_subjects")
        if self.median_kernel % 2 == 0:
            raise ValueError(f"median_kernel must be odd, got {self.median_kernel}")
        if not self.gravity_cutoff_hz < self.noise_cutoff_hz < self.sampling_hz / 2:
            raise ValueError("cut-offs must satisfy gravity_cutoff_hz < noise_cutoff_hz < sampling_hz / 2")
        return self


class SignalAugmentation(Section):
    """Random jitter of the standardised training windows, active in training only (0 disables each)."""

    gain: Fraction  # std of a random gain around 1, per window and channel: sensors and wearers differ
    noise: Fraction  # std of Gaussian noise added to every sample


class HarModel(TrainingParams):
    """A window classifier: optional Conv1D blocks, then stacked recurrent layers, then softmax.

    The recurrent cell is the model's name in params (`simple_rnn`, `lstm`, `gru`;
    `conv_lstm` is LSTM after its convolutions).
    """

    # Body-motion channels x -> asinh(x / c), c in standardised units (0: off): a still body's sway,
    # hundredths of a unit, becomes visible next to walking's swings.
    body_compression: Annotated[float, Field(ge=0.0)]
    conv_filters: list[PositiveInt]  # one Conv1D + batch norm + ReLU + 2x max-pooling block each; [] for none
    conv_kernel_size: PositiveInt
    # Samples the cell reads per step: 4 turns a 128-sample window into 32 steps of 4 x 9 values.
    frame_length: PositiveInt
    units: Annotated[list[PositiveInt], Field(min_length=1)]  # one recurrent layer each, stacked
    bidirectional: bool
    dropout: Fraction  # after each recurrent layer
    augmentation: SignalAugmentation


class HarBaseline(Section):
    """Classical baseline: logistic regression on per-window statistics of each channel."""

    spectrum_bins: Annotated[int, Field(ge=0)]  # |FFT| bins 1..n per channel (0.39 Hz apart for 128 samples)
    inverse_regularization: PositiveFloat  # C of scikit-learn's LogisticRegression
    max_iterations: PositiveInt


HAR_MODELS = ("simple_rnn", "lstm", "gru", "conv_lstm")


class HarParams(Section):
    data: HarData
    seeds: PositiveInt  # each model trained with seeds base.seed, base.seed + 1, ...
    baseline: HarBaseline
    simple_rnn: HarModel
    lstm: HarModel
    gru: HarModel
    conv_lstm: HarModel

    @model_validator(mode="after")
    def _models_fit_the_windows(self) -> HarParams:
        if not self.conv_lstm.conv_filters:
            raise ValueError("conv_lstm.conv_filters must list at least one Conv1D block")
        for name in HAR_MODELS:
            model = self.model(name)
            if self.data.window_length % model.frame_length:
                raise ValueError(
                    f"{name}.frame_length {model.frame_length} does not divide "
                    f"data.window_length {self.data.window_length}"
                )
            steps = self.data.window_length // model.frame_length // 2 ** len(model.conv_filters)
            if steps < 1:
                raise ValueError(f"{name}: its convolutions' pooling leaves no time steps of a window")
        return self

    def model(self, name: str) -> HarModel:
        if name not in HAR_MODELS:
            raise ValueError(f"unknown HAR model {name!r}; expected one of {', '.join(HAR_MODELS)}")
        return getattr(self, name)

    def seed_list(self, base_seed: int) -> list[int]:
        return [base_seed + offset for offset in range(self.seeds)]


class PinnEquation(Section):
    """u_t + u u_x − ν u_xx = 0 on [x_min, x_max] × [t_min, t_max], u(t_min, x) = −A sin(kπx), u = 0 at both ends."""

    viscosity: PositiveFloat  # ν
    amplitude: float  # A
    wavenumber: PositiveInt  # k
    x_min: float
    x_max: float
    t_min: float
    t_max: float

    @model_validator(mode="after")
    def _well_posed(self) -> PinnEquation:
        if not self.x_min < self.x_max:
            raise ValueError(f"the domain is empty: x_min {self.x_min} must be below x_max {self.x_max}")
        if not self.t_min < self.t_max:
            raise ValueError(f"the domain is empty: t_min {self.t_min} must be below t_max {self.t_max}")
        if self.amplitude == 0:
            raise ValueError("amplitude 0 makes u = 0 everywhere; choose a non-zero amplitude")
        for name, end in (("x_min", self.x_min), ("x_max", self.x_max)):
            # u(t, end) = 0 needs the initial condition to vanish there: k·end an integer
            if not math.isclose(self.wavenumber * end, round(self.wavenumber * end), abs_tol=1e-9):
                raise ValueError(
                    f"{name} {end}: −A sin(kπx) with k = {self.wavenumber} is not 0 there, so the boundary "
                    "condition u = 0 contradicts the initial condition; put the ends at multiples of 1/k"
                )
        return self


class PinnReference(Section):
    """The grid the PINN is scored on (256 × 100, that of burgers_shock.mat) and Cole-Hopf's quadrature."""

    x_points: Annotated[int, Field(ge=2)]
    t_points: Annotated[int, Field(ge=2)]
    quadrature_points: Annotated[int, Field(ge=10, le=300)]  # Gauss-Hermite nodes (NumPy's overflow past ~350)


class PinnNetwork(Section):
    """u(t, x) as a dense network; `layers` counts weight layers (Raissi et al.'s "9 layers": 8 hidden + output)."""

    layers: Annotated[int, Field(ge=2)]
    width: PositiveInt
    activation: Activation
    dtype: Literal["float32", "float64"]


class PinnOptimization(Section):
    """Adam steps, then quasi-Newton steps on the flat parameter vector."""

    adam_steps: Annotated[int, Field(ge=0)]
    adam_learning_rate: PositiveFloat
    quasi_newton: Literal["bfgs", "l-bfgs-b"]  # dense BFGS (scipy's O(n²) update) or the paper's L-BFGS-B
    quasi_newton_steps: Annotated[int, Field(ge=0)]
    record_every: PositiveInt  # steps between two rows of the loss history
    checkpoint_every: PositiveInt  # steps between two backups of an interrupted training
    jit_compile: bool  # XLA for the loss and its gradient


class PinnForward(Section):
    initial_boundary_points: PositiveInt  # N_u, drawn from the grid's initial and boundary points
    collocation_points: PositiveInt  # N_f, Latin hypercube over the domain
    network: PinnNetwork
    optimization: PinnOptimization


class PinnNoise(Section):
    """Std of the Gaussian noise on the measured u, as a fraction of u's std (Raissi et al.'s convention)."""

    clean: Annotated[float, Field(ge=0.0)]
    noisy: Annotated[float, Field(ge=0.0)]


class PinnInverse(Section):
    """Identify λ₁, λ₂ in u_t + λ₁ u u_x − λ₂ u_xx = 0 from measured u (λ start at 0)."""

    data_points: PositiveInt  # N, drawn from the reference grid; also the collocation points
    noise: PinnNoise
    network: PinnNetwork
    optimization: PinnOptimization


# The PINN's trainings: one forward problem, the inverse problem on clean and on noisy data.
PINN_CASES = ("forward", "inverse_clean", "inverse_noisy")


class PinnParams(Section):
    equation: PinnEquation
    reference: PinnReference
    forward: PinnForward
    inverse: PinnInverse

    def case(self, name: str) -> PinnForward | PinnInverse:
        """The params section a training case reads: `forward` or `inverse`."""
        if name not in PINN_CASES:
            raise ValueError(f"unknown PINN case {name!r}; expected one of {', '.join(PINN_CASES)}")
        return self.forward if name == "forward" else self.inverse

    def noise(self, name: str) -> float:
        """The noise level of an inverse case (inverse_clean → noise.clean)."""
        return getattr(self.inverse.noise, name.removeprefix("inverse_"))


class Params(Section):
    """The whole of params.yaml: one section per project, plus `base`."""

    base: BaseParams
    foundations: FoundationsParams
    mnist: MnistParams
    har: HarParams
    pinn: PinnParams


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"mnist": {"cnn": {"epochs": 5}}} -> {"mnist.cnn.epochs": 5}, the way `dvc exp show` names params."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class ParamsError(RedesError, ValueError):
    """params.yaml does not match the schema; the message names every bad key."""


def load_params(path: Path) -> Params:
    """Read and validate params.yaml; raise ParamsError naming each bad key."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found; run from the repository root") from None
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML: {error}") from None
    return validate_params(raw, source=str(path))


def validate_params(raw: Any, source: str = "params") -> Params:
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        problems = [_describe(e) for e in error.errors()]
        raise ParamsError(f"{source}: {len(problems)} bad key(s):\n  " + "\n  ".join(problems)) from None


def _describe(error: Any) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "<top level>"
    expected = _expected_type(error["loc"])
    if error["type"] == "missing":
        return f"{key}: missing (expected {expected})"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (not in the schema; check its spelling and section)"
    return f"{key}: {error['msg']}; expected {expected}, got {error['input']!r}"


def _expected_type(loc: tuple[Any, ...]) -> str:
    """The annotation the schema gives a key, spelled for a person."""
    annotation: Any = Params
    for part in loc:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return "nothing (unknown key)"
            # pydantic keeps a field's own bounds apart from its type; put them back for the message.
            annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        elif typing.get_origin(annotation) is list and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
    return _type_name(annotation)


def _constraint(bound: Any) -> str:
    """annotated_types bounds as a person writes them: Gt(gt=0) -> '> 0'."""
    for attribute, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if hasattr(bound, attribute):
            return f"{symbol} {getattr(bound, attribute)}"
    if hasattr(bound, "min_length"):
        return f"with at least {bound.min_length} item(s)"
    return ""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        bounds = [bound for item in metadata for bound in getattr(item, "metadata", [item])]
        constraints = [_constraint(bound) for bound in bounds]
        return _type_name(base) + "".join(f" {c}" for c in constraints if c)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"a mapping with keys {', '.join(annotation.model_fields)}"
    return getattr(annotation, "__name__", str(annotation))
