"""The HAR model builder: each params section gives the net it names; the random gain; the params checks."""

from __future__ import annotations

import copy
from pathlib import Path

import keras
import numpy as np
import pytest

from redes.classifier import balanced_class_weights
from redes.config import ParamsError
from redes.har.data import CHANNELS
from redes.har.models import RandomGain, SignedLogCompression, build_model
from redes.har.params import HAR_MODELS
from redes.sections import validate_all_params
from tests.helpers import REPO_ROOT
from tests.helpers.params import changed

WINDOW, CLASSES = 128, 6


@pytest.fixture(scope="module")
def raw_params() -> dict:
    import yaml

    return yaml.safe_load((REPO_ROOT / "params.yaml").read_text())


def _params(raw: dict, **changes: object) -> dict:
    """raw with each `section__key` path (keyword-friendly dots) set to its value."""
    return changed(raw, {dotted.replace("__", "."): value for dotted, value in changes.items()})


@pytest.mark.parametrize("name", HAR_MODELS)
def test_each_model_has_the_cell_it_is_named_after(raw_params: dict, name: str) -> None:
    params = validate_all_params(raw_params).har.model(name)
    model = build_model(name, params, WINDOW, CHANNELS, CLASSES, seed=0)
    cell = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "conv_lstm": "LSTM"}[name]
    recurrent = [layer for layer in model.layers if type(layer).__name__ == cell]
    assert len(recurrent) == len(params.units)
    assert [layer.units for layer in recurrent] == params.units
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [layer.filters for layer in convolutions] == params.conv_filters
    # The first recurrent layer reads window / frame_length / 2^(conv blocks) steps.
    steps = WINDOW // params.frame_length // 2 ** len(params.conv_filters)
    assert recurrent[0].input.shape[1] == steps
    probabilities = model.predict(np.random.default_rng(0).normal(size=(5, WINDOW, len(CHANNELS))), verbose=0)
    assert probabilities.shape == (5, CLASSES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_frames_keep_the_samples_in_time_order(raw_params: dict) -> None:
    """Reshaping into frames of k samples: step t holds samples kt..kt+k-1, all channels of each."""
    params = validate_all_params(raw_params).har.lstm
    model = build_model("lstm", params, WINDOW, CHANNELS, CLASSES, seed=0)
    frames = keras.Model(model.input, model.get_layer("frames").output)
    window = np.arange(WINDOW * len(CHANNELS), dtype=np.float32).reshape(1, WINDOW, len(CHANNELS))
    out = frames.predict(window, verbose=0)[0]
    k = params.frame_length
    expected = window[0, k : 2 * k].copy()
    body = [index for index, name in enumerate(CHANNELS) if name.startswith("body_")]
    expected[:, body] = np.arcsinh(expected[:, body] / params.body_compression)
    np.testing.assert_allclose(out[1], expected.ravel(), rtol=1e-5)


def test_bidirectional_doubles_the_features(raw_params: dict) -> None:
    raw = _params(raw_params, har__gru__bidirectional=True)
    params = validate_all_params(raw).har.gru
    model = build_model("gru", params, WINDOW, CHANNELS, CLASSES, seed=0)
    assert model.get_layer("softmax").input.shape[-1] == 2 * params.units[-1]


def test_random_gain_is_one_gain_per_window_and_channel() -> None:
    layer = RandomGain(0.1, seed=3)
    x = (np.ones((400, 16, len(CHANNELS))) * np.linspace(1, 2, 16)[None, :, None]).astype(np.float32)
    np.testing.assert_array_equal(layer(x, training=False), x)  # inference leaves windows alone
    gains = np.asarray(layer(x, training=True)) / x
    np.testing.assert_allclose(gains, gains[:, :1, :].repeat(16, axis=1), rtol=1e-6)  # constant in time
    assert abs(gains[:, 0, :].mean() - 1.0) < 0.01
    assert abs(gains[:, 0, :].std() - 0.1) < 0.01


def test_compression_is_linear_near_zero_and_logarithmic_far_out() -> None:
    layer = SignedLogCompression(0.05, [0, 1])
    x = np.array([[[0.001, -0.001, 0.001], [10.0, -10.0, 10.0]]], dtype=np.float32)
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y[0, 0, :2], [0.02, -0.02], rtol=1e-3)  # slope 1 / 0.05 near zero
    np.testing.assert_allclose(y[0, 1, :2], [np.log(400), -np.log(400)], rtol=1e-4)  # asinh(u) ~ log(2u), odd
    np.testing.assert_array_equal(y[..., 2], x[..., 2])  # channels not chosen pass unchanged


def test_only_the_body_channels_are_compressed(raw_params: dict) -> None:
    model = build_model("gru", validate_all_params(raw_params).har.gru, WINDOW, CHANNELS, CLASSES, seed=0)
    assert [CHANNELS[i] for i in model.get_layer("body_compression").channels] == [
        f"{signal}_{axis}" for signal in ("body_acc", "body_gyro") for axis in "xyz"
    ]


def test_a_model_with_augmentation_saves_and_loads(raw_params: dict, tmp_path: Path) -> None:
    raw = _params(raw_params, har__lstm__augmentation={"gain": 0.1, "noise": 0.05})
    model = build_model("lstm", validate_all_params(raw).har.lstm, WINDOW, CHANNELS, CLASSES, seed=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x = np.random.default_rng(1).normal(size=(3, WINDOW, len(CHANNELS))).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert loaded.get_layer("random_gain").stddev == 0.1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"har__lstm__frame_length": 3}, "lstm.frame_length 3 does not divide data.window_length 128"),
        ({"har__conv_lstm__conv_filters": []}, "conv_lstm.conv_filters must list at least one Conv1D block"),
        ({"har__gru__conv_filters": [8] * 8}, "gru: its convolutions' pooling leaves no time steps"),
        ({"har__seeds": 0}, "har.seeds: Input should be greater than 0"),
        ({"har__model_defaults__augmentation": {"gain": 0.1}}, "har.model_defaults.augmentation.noise: missing"),
    ],
)
def test_bad_model_params_are_named(raw_params: dict, changes: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        validate_all_params(_params(raw_params, **changes))


def test_balanced_class_weights_make_every_class_weigh_the_same() -> None:
    labels = np.array([0] * 60 + [1] * 30 + [2] * 10)
    weights = balanced_class_weights(labels)
    assert weights == pytest.approx({0: 100 / 180, 1: 100 / 90, 2: 100 / 30})
    counts = np.bincount(labels)
    totals = [weights[c] * counts[c] for c in range(3)]
    assert totals == pytest.approx([totals[0]] * 3)


def test_each_net_is_its_own_keys_over_the_shared_defaults(raw_params: dict) -> None:
    changed = _params(raw_params, har__model_defaults__epochs=7, har__gru__augmentation={"gain": 0.1})
    params = validate_all_params(changed).har
    assert {params.model(name).epochs for name in HAR_MODELS} == {7}
    assert params.gru.augmentation.gain == 0.1  # one key of a nested section; noise stays the default's
    assert params.gru.augmentation.noise == raw_params["har"]["model_defaults"]["augmentation"]["noise"]
    assert params.conv_lstm.conv_filters == raw_params["har"]["conv_lstm"]["conv_filters"]
    assert params.lstm.conv_filters == raw_params["har"]["model_defaults"]["conv_filters"] == []


@pytest.mark.parametrize(
    ("section", "key", "expected"),
    [
        ("lstm", "unitz", r"har\.lstm\.unitz: unknown key"),
        ("model_defaults", "unitz", r"har\.model_defaults\.unitz: unknown key"),
    ],
)
def test_an_unknown_key_of_a_net_or_the_defaults_is_named(
    raw_params: dict, section: str, key: str, expected: str
) -> None:
    with pytest.raises(ParamsError, match=expected):
        validate_all_params(_params(raw_params, **{f"har__{section}__{key}": [8]}))


def test_a_key_missing_from_the_defaults_is_named(raw_params: dict) -> None:
    without = copy.deepcopy(raw_params)
    del without["har"]["model_defaults"]["dropout"]
    with pytest.raises(ParamsError, match=r"har\.model_defaults\.dropout: missing"):
        validate_all_params(without)
