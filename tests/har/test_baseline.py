"""The baseline's per-window statistics on windows of known content, and the classifier on separable windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_the_baseline_separates_windows_by_their_tone() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=300)
    t = np.arange(128)
    windows = rng.normal(scale=0.5, size=(300, 128, len(CHANNELS)))
    windows[:, :, 0] += np.sin(2 * np.pi * (labels[:, None] + 2) * t / 128)
    pipeline = build_baseline(HarBaseline(spectrum_bins=BINS, inverse_regularization=1.0, max_iterations=500), 0)
    features = window_statistics(windows, BINS)
    pipeline.fit(features[:200], labels[:200])
    assert pipeline.score(features[200:], labels[200:]) > 0.95


def test_a_damaged_baseline_file_is_named(tmp_path: Path) -> None:
    pipeline = build_baseline(HarBaseline(spectrum_bins=BINS, inverse_regularization=1.0, max_iterations=100), 0)
    path = save_baseline(pipeline, tmp_path / "model.joblib")
    assert load_baseline(path).get_params()["logisticregression__C"] == 1.0
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(RedesError, match=r"model\.joblib is not a readable baseline"):
        load_baseline(path)
    with pytest.raises(RedesError, match=r"missing\.joblib is missing"):
        load_baseline(tmp_path / "missing.joblib")
