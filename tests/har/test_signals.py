"""HAR signal processing on synthetic signals whose content is known."""

from __future__ import annotations

import numpy as np
import pytest

from redes.har.signals import cut_windows, lowpass, median_filter, split_gravity

SAMPLING_HZ = 50.0


def _tone(frequency_hz: float, seconds: float = 20.0) -> np.ndarray:
    time = np.arange(int(seconds * SAMPLING_HZ)) / SAMPLING_HZ
    return np.sin(2.0 * np.pi * frequency_hz * time)[:, np.newaxis]


def _steady_amplitude(samples: np.ndarray, frequency_hz: float) -> float:
    """Amplitude of the tone at `frequency_hz` in `samples`, fitted away from the filter's edge transients."""
    middle = slice(len(samples) // 4, 3 * len(samples) // 4)
    time = (np.arange(len(samples)) / SAMPLING_HZ)[middle]
    basis = np.column_stack([np.sin(2.0 * np.pi * frequency_hz * time), np.cos(2.0 * np.pi * frequency_hz * time)])
    coefficients = np.linalg.lstsq(basis, samples[middle, 0], rcond=None)[0]
    return float(np.hypot(*coefficients))


@pytest.mark.parametrize(
    ("frequency_hz", "gain"),
    # |H(f)|² of a 3rd-order Butterworth run forwards and backwards: 1 / (1 + (f / 20 Hz)^6) well below
    # Nyquist, exactly 1/2 at the cut-off (scipy pre-warps it), and next to nothing near Nyquist (25 Hz).
    [(2.0, 1.0 / (1.0 + 0.1**6)), (10.0, 1.0 / (1.0 + 0.5**6)), (20.0, 0.5), (24.5, 0.0)],
)
def test_lowpass_passes_or_stops_a_pure_tone(frequency_hz: float, gain: float) -> None:
    filtered = lowpass(_tone(frequency_hz), 20.0, SAMPLING_HZ, order=3)
    assert _steady_amplitude(filtered, frequency_hz) == pytest.approx(gain, abs=0.02)


def test_the_gravity_filter_stops_walking() -> None:
    assert _steady_amplitude(lowpass(_tone(2.0), 0.3, SAMPLING_HZ, order=3), 2.0) < 1e-3


def test_lowpass_keeps_the_phase() -> None:
    tone = _tone(2.0)
    filtered = lowpass(tone, 20.0, SAMPLING_HZ, order=3)
    middle = slice(len(tone) // 4, 3 * len(tone) // 4)
    assert np.max(np.abs(filtered[middle] - tone[middle])) < 0.01


def test_gravity_split_separates_a_constant_from_walking() -> None:
    gravity = np.full((1000, 1), 0.98)
    walking = 0.3 * _tone(2.0, seconds=20.0)
    body, estimated_gravity = split_gravity(gravity + walking, 0.3, SAMPLING_HZ, order=3)
    middle = slice(250, 750)
    assert np.max(np.abs(estimated_gravity[middle] - 0.98)) < 0.01
    assert np.max(np.abs(body[middle] - walking[middle])) < 0.01
    assert np.allclose(body + estimated_gravity, gravity + walking)


def test_median_filter_removes_a_spike_and_keeps_a_step() -> None:
    samples = np.zeros((20, 2))
    samples[5, 0] = 100.0  # one-sample spike
    samples[10:, 1] = 1.0  # step
    filtered = median_filter(samples, 3)
    assert np.all(filtered[:, 0] == 0.0)
    assert np.array_equal(filtered[:, 1], samples[:, 1])
    with pytest.raises(ValueError, match="odd kernel"):
        median_filter(samples, 4)


def test_lowpass_refuses_a_cutoff_above_nyquist() -> None:
    with pytest.raises(ValueError, match="Nyquist"):
        lowpass(_tone(1.0), 30.0, SAMPLING_HZ, order=3)


def test_windows_overlap_by_half_and_stay_inside_the_segment() -> None:
    samples = np.arange(1000, dtype=np.float64)[:, np.newaxis] * np.array([1.0, -1.0])
    windows = cut_windows(samples, first=100, last=499, window_length=128, step=64)
    # 400 samples: starts 100, 164, 228, 292 (292 + 127 = 419 <= 499); 356 + 127 = 483 fits too.
    assert windows.shape == (5, 128, 2)
    assert [int(w[0, 0]) for w in windows] == [100, 164, 228, 292, 356]
    assert windows.min() >= -499 and windows[:, :, 0].max() <= 499
    assert np.array_equal(windows[1, :64], windows[0, 64:])  # 50 % overlap, exactly


def test_a_segment_shorter_than_a_window_gives_none() -> None:
    assert cut_windows(np.zeros((300, 3)), 10, 100, 128, 64).shape == (0, 128, 3)


def test_a_segment_outside_the_recording_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the recording"):
        cut_windows(np.zeros((300, 3)), 200, 300, 128, 64)
