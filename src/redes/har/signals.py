"""The signal processing that turns raw 50 Hz phone recordings into UCI-HAR-style windows.

Following Anguita et al. (2013): a median filter and a low-pass Butterworth filter remove
noise; a second, very low Butterworth cut-off separates the gravity component of the
acceleration from the body's own motion; fixed-length windows with overlap are cut inside
each labelled segment, never across two. Filters run forwards and backwards (zero phase)
so that a window's content is not delayed relative to its label.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

Array = np.ndarray


def median_filter(samples: Array, kernel_size: int) -> Array:
    """Each channel (column) of `samples` through a median filter of odd `kernel_size`."""
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"the median filter needs an odd kernel size, got {kernel_size}")
    samples = np.asarray(samples, dtype=np.float64)
    return np.column_stack([signal.medfilt(channel, kernel_size) for channel in samples.T])


def lowpass(samples: Array, cutoff_hz: float, sampling_hz: float, order: int) -> Array:
    """Each channel through a zero-phase Butterworth low-pass filter of `order` at `cutoff_hz`."""
    if not 0.0 < cutoff_hz < sampling_hz / 2.0:
        raise ValueError(f"cut-off {cutoff_hz} Hz must lie between 0 and the Nyquist frequency {sampling_hz / 2} Hz")
    sections = signal.butter(order, cutoff_hz, btype="lowpass", fs=sampling_hz, output="sos")
    return signal.sosfiltfilt(sections, np.asarray(samples, dtype=np.float64), axis=0)


def split_gravity(acceleration: Array, cutoff_hz: float, sampling_hz: float, order: int) -> tuple[Array, Array]:
    """(body, gravity): gravity is what a very low cut-off lets through, the body's motion the rest."""
    gravity = lowpass(acceleration, cutoff_hz, sampling_hz, order)
    return np.asarray(acceleration, dtype=np.float64) - gravity, gravity


def cut_windows(samples: Array, first: int, last: int, window_length: int, step: int) -> Array:
    """Windows (count, window_length, channels) of one labelled segment, `samples[first:last + 1]`.

    `first` and `last` are 0-based and inclusive, the segment's own bounds; only whole windows
    that fit inside them are cut, `step` samples apart (step = window_length / 2 for 50 % overlap).
    """
    if window_length < 1 or step < 1:
        raise ValueError(f"window length and step must be positive, got {window_length} and {step}")
    if not 0 <= first <= last < len(samples):
        raise ValueError(f"segment [{first}, {last}] is outside the recording of {len(samples)} samples")
    segment = np.asarray(samples[first : last + 1], dtype=np.float64)
    if len(segment) < window_length:
        return np.empty((0, window_length, segment.shape[1]))
    windows = np.lib.stride_tricks.sliding_window_view(segment, window_length, axis=0)[::step]
    return np.ascontiguousarray(windows.transpose(0, 2, 1))  # (count, channels, time) -> (count, time, channels)
