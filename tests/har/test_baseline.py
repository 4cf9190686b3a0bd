"""The baseline's per-window statistics on windows of known content, and the classifier on separable windows."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from redes.errors import RedesError
from redes.har.baseline import (
    STATISTICS,
    build_baseline,
    feature_names,
    load_baseline,
    save_baseline,
    window_statistics,
)
from redes.har.data import CHANNELS
from redes.har.params import HarBaseline

BINS = 8


def _column(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, feature_names(CHANNELS, BINS).index(name)]


def test_one_column_per_statistic_and_channel() -> None:
    windows = np.random.default_rng(0).normal(size=(4, 128, len(CHANNELS)))
    features = window_statistics(windows, BINS)
    assert features.shape == (4, len(CHANNELS) * (len(STATISTICS) + BINS))
    assert len(set(feature_names(CHANNELS, BINS))) == features.shape[1]


def test_statistics_of_a_ramp_and_a_tone() -> None:
    """A ramp on body_acc_x and a 5-cycle tone on body_gyro_y: each column says what it is named."""
    t = np.arange(128)
    windows = np.zeros((1, 128, len(CHANNELS)))
    windows[0, :, CHANNELS.index("body_acc_x")] = t  # 0, 1, ..., 127
    windows[0, :, CHANNELS.index("body_gyro_y")] = np.sin(2 * np.pi * 5 * t / 128)
    features = window_statistics(windows, BINS)
    assert _column(features, "mean_body_acc_x") == pytest.approx(63.5)
    assert _column(features, "min_body_acc_x") == 0 and _column(features, "max_body_acc_x") == 127
    assert _column(features, "p50_body_acc_x") == pytest.approx(63.5)
    assert _column(features, "p25_body_acc_x") == pytest.approx(np.percentile(t, 25))
    assert _column(features, "diff_abs_mean_body_acc_x") == pytest.approx(1.0)
    assert _column(features, "diff_std_body_acc_x") == pytest.approx(0.0, abs=1e-12)
    tone = [_column(features, f"fft{k}_body_gyro_y")[0] for k in range(1, BINS + 1)]
    assert np.argmax(tone) == 4 and tone[4] == pytest.approx(64.0)  # bin 5: |FFT| of a unit sine is N/2
    assert _column(features, "std_body_gyro_y") == pytest.approx(np.sqrt(0.5))
    assert _column(features, "fft1_total_acc_z") == 0.0  # a silent channel has no spectrum


def _tone_features(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Statistics of noisy windows whose class is the frequency of a tone on the first channel, and the classes."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=count)
    t = np.arange(128)
    windows = rng.normal(scale=0.5, size=(count, 128, len(CHANNELS)))
    windows[:, :, 0] += np.sin(2 * np.pi * (labels[:, None] + 2) * t / 128)
    return window_statistics(windows, BINS), labels


def _fitted_baseline() -> tuple[Pipeline, np.ndarray, np.ndarray]:
    features, labels = _tone_features(300)
    pipeline = build_baseline(HarBaseline(spectrum_bins=BINS, inverse_regularization=1.0, max_iterations=500), 0)
    return pipeline.fit(features[:200], labels[:200]), features[200:], labels[200:]


def test_the_baseline_separates_windows_by_their_tone() -> None:
    pipeline, features, labels = _fitted_baseline()
    assert pipeline.score(features, labels) > 0.95


def test_a_saved_baseline_holds_no_pickle_and_predicts_the_same(tmp_path: Path) -> None:
    pipeline, features, _ = _fitted_baseline()
    path = save_baseline(pipeline, tmp_path / "model.skops")
    assert skops.io.get_untrusted_types(file=path) == []  # a skops archive of scikit-learn types only
    loaded = load_baseline(path)
    np.testing.assert_array_equal(loaded.predict(features), pipeline.predict(features))
    np.testing.assert_array_equal(loaded.predict_proba(features), pipeline.predict_proba(features))


class _Payload:
    """What a tampered model file on a shared remote could carry: unpickling it runs `os.mkdir(marker)`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.mkdir, (str(self.marker),)


def test_a_pickle_is_refused_and_never_run(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    path.write_bytes(pickle.dumps(_Payload(tmp_path / "ran")))
    with pytest.raises(RedesError, match=r"model\.skops is not a skops file of the baseline.*pickle"):
        load_baseline(path)
    assert not (tmp_path / "ran").exists()


def test_a_skops_file_naming_an_untrusted_function_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    skops.io.dump(make_pipeline(FunctionTransformer(os.system)), path)
    with pytest.raises(RedesError, match=r"model\.skops refers to types the baseline does not use.*\.system'"):
        load_baseline(path)


def test_a_skops_file_of_another_estimator_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    skops.io.dump(StandardScaler(), path)
    with pytest.raises(RedesError, match=r"model\.skops holds a StandardScaler, not the baseline's pipeline"):
        load_baseline(path)


def test_a_damaged_baseline_file_is_named(tmp_path: Path) -> None:
    pipeline = build_baseline(HarBaseline(spectrum_bins=BINS, inverse_regularization=1.0, max_iterations=100), 0)
    path = save_baseline(pipeline, tmp_path / "model.skops")
    assert load_baseline(path).get_params()["logisticregression__C"] == 1.0
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(RedesError, match=r"model\.skops is not a skops file of the baseline"):
        load_baseline(path)
    with pytest.raises(RedesError, match=r"missing\.skops is missing"):
        load_baseline(tmp_path / "missing.skops")
