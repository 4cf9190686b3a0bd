"""The classical baseline of the HAR project: logistic regression on per-window statistics.

Before recurrent nets, activity recognition meant hand-made features of each window
(Anguita et al. 2013 used 561 of them with an SVM). This baseline keeps a small,
readable set per channel: mean, standard deviation, extremes, quartiles and deciles,
the mean and spread of the sample-to-sample change, and the magnitude spectrum's
first bins (what walking's cadence looks like). It gives the recurrent nets a
number to beat on exactly the same windows and split.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from redes.errors import RedesError
from redes.har.params import HarBaseline

PERCENTILES = (10, 25, 50, 75, 90)
STATISTICS = ("mean", "std", "min", "max", *(f"p{q}" for q in PERCENTILES), "diff_abs_mean", "diff_std")


def feature_names(channels: tuple[str, ...], spectrum_bins: int) -> list[str]:
    """Names of `window_statistics`' columns, in order: statistic-major, channel-minor."""
    kinds = [*STATISTICS, *(f"fft{k}" for k in range(1, spectrum_bins + 1))]
    return [f"{kind}_{channel}" for kind in kinds for channel in channels]


def window_statistics(windows: np.ndarray, spectrum_bins: int) -> np.ndarray:
    """(n, time, channels) windows to (n, features): the statistics of each channel over each window."""
    n = len(windows)
    difference = np.diff(windows, axis=1)
    # |FFT| bins 1..k: bin j is j / window duration Hz (bin 0, the mean, is already a statistic).
    spectrum = np.abs(np.fft.rfft(windows, axis=1))[:, 1 : spectrum_bins + 1]
    columns = [
        windows.mean(axis=1),
        windows.std(axis=1),
        windows.min(axis=1),
        windows.max(axis=1),
        *np.percentile(windows, PERCENTILES, axis=1),
        np.abs(difference).mean(axis=1),
        difference.std(axis=1),
        *spectrum.transpose(1, 0, 2),
    ]
    return np.concatenate([column.reshape(n, -1) for column in columns], axis=1)


def build_baseline(params: HarBaseline, seed: int) -> Pipeline:
    """Standardised statistics into a multinomial logistic regression (§2 of the notes, softmax form)."""
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=params.inverse_regularization, max_iter=params.max_iterations, random_state=seed),
    )


def save_baseline(pipeline: Pipeline, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipeline, path)
    return path


def load_baseline(path: Path) -> Pipeline:
    """The fitted baseline; a missing or unreadable file is an error naming it."""
    if not path.exists():
        raise RedesError(f"{path} is missing; run `dvc repro har_baseline`")
    try:
        return joblib.load(path)
    except Exception as error:  # joblib raises whatever unpickling a damaged file raises
        raise RedesError(
            f"{path} is not a readable baseline ({error}); delete it and run `dvc repro har_baseline`"
        ) from None
