"""The `har` section of params.yaml: signal processing, windows, the split by subject, the nets and the baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from redes.schema import Fraction, NoRepeats, PositiveFloat, PositiveInt, Section, TrainingParams
from redes.seeding import seed_list

HAR_MODELS = ("simple_rnn", "lstm", "gru", "conv_lstm")

Subjects = Annotated[list[Annotated[int, Field(ge=1, le=30)]], Field(min_length=1), NoRepeats]


class HarData(Section):
    """From raw 50 Hz signals to UCI-HAR-style windows (Anguita et al. 2013), and the split by subject.

    The checks across keys are field validators, each seeing the keys above it (`info.data` holds
    those that are valid): one runs while an unrelated key is bad, and names only its own keys.
    """

    sampling_hz: PositiveFloat
    median_kernel: PositiveInt  # odd; samples
    noise_cutoff_hz: PositiveFloat  # low-pass Butterworth against sensor noise
    gravity_cutoff_hz: PositiveFloat  # low-pass Butterworth that keeps only gravity
    filter_order: PositiveInt
    window_length: PositiveInt  # samples (128 = 2.56 s at 50 Hz)
    window_step: PositiveInt  # samples between window starts (64: 50 % overlap)
    activities: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=2), NoRepeats]  # HAPT ids
    test_subjects: Subjects
    validation_subjects: Subjects

    @field_validator("median_kernel")
    @classmethod
    def _odd(cls, kernel: int) -> int:
        if kernel % 2 == 0:
            raise ValueError(f"must be odd, got {kernel}")
        return kernel

    @field_validator("noise_cutoff_hz")
    @classmethod
    def _below_nyquist(cls, cutoff: float, info: ValidationInfo) -> float:
        sampling_hz = info.data.get("sampling_hz")
        if sampling_hz is not None and not cutoff < sampling_hz / 2:
            raise ValueError(f"must be below sampling_hz / 2 = {sampling_hz / 2}")
        return cutoff

    @field_validator("gravity_cutoff_hz")
    @classmethod
    def _below_noise_cutoff(cls, cutoff: float, info: ValidationInfo) -> float:
        noise_cutoff_hz = info.data.get("noise_cutoff_hz")
        if noise_cutoff_hz is not None and not cutoff < noise_cutoff_hz:
            raise ValueError(f"must be below noise_cutoff_hz {noise_cutoff_hz}")
        return cutoff

    @field_validator("validation_subjects")
    @classmethod
    def _apart_from_test_subjects(cls, subjects: list[int], info: ValidationInfo) -> list[int]:
        shared = sorted(set(subjects) & set(info.data.get("test_subjects", ())))
        if shared:
            raise ValueError(f"subjects {shared} are also in test_subjects")
        return subjects


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


def _merged(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`defaults` with `overrides` laid over them, nested sections key by key."""
    merged = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            value = _merged(merged[key], value)
        merged[key] = value
    return merged


class HarParams(Section):
    """The HAR project. `model_defaults` is what every net shares; each net's section states only what differs.

    Each net is validated whole, its own keys laid over the defaults, so an unknown key in
    either is still rejected by name, and `params.har.lstm` is the complete recipe.
    """

    data: HarData
    seeds: PositiveInt  # each model trained with seeds base.seed, base.seed + 1, ...
    baseline: HarBaseline
    model_defaults: HarModel
    simple_rnn: HarModel
    lstm: HarModel
    gru: HarModel
    conv_lstm: HarModel

    @model_validator(mode="before")
    @classmethod
    def _models_over_defaults(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("model_defaults"), Mapping):
            return raw  # the field validators name what is missing or ill-typed
        defaults = raw["model_defaults"]
        return {
            **raw,
            **{name: _merged(defaults, raw[name]) for name in HAR_MODELS if isinstance(raw.get(name), Mapping)},
        }

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
        return seed_list(base_seed, self.seeds)
