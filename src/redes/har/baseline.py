"""The classical baseline of the HAR project: logistic regression on per-window statistics.

Before recurrent nets, activity recognition meant hand-made features of each window
(Anguita et al. 2013 used 561 of them with an SVM). This baseline keeps a small,
readable set per channel: mean, standard deviation, extremes, quartiles and deciles,
the mean and spread of the sample-to-sample change, and the magnitude spectrum's
first bins (what walking's cadence looks like). It gives the recurrent nets a
number to beat on exactly the same windows and split.

The fitted pipeline is stored with skops, not pickle: a model pulled from a shared DVC
remote is data anyone with write access could have replaced, and unpickling runs
whatever code the file names. skops rebuilds only the types it is told to trust.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skops.io.exceptions import UntrustedTypesFoundException

from redes.errors import RedesError
from redes.har.params import HarBaseline

MODEL_FILE = "model.skops"  # in models/har/baseline
# Types to trust beyond skops' defaults, which already cover scikit-learn's estimators and NumPy's
# arrays, all this pipeline holds: none. Anything else in the file is refused, never imported.
TRUSTED_TYPES: list[str] = []
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
    skops.io.dump(pipeline, path)
    return path


def load_baseline(path: Path) -> Pipeline:
    """The fitted baseline; a missing file, a file that is not skops (a pickle) or one naming other types is refused."""
    if not path.exists():
        raise RedesError(f"{path} is missing; run `dvc repro har_baseline`")
    redo = "delete it and run `dvc repro har_baseline`"
    try:
        pipeline = skops.io.load(path, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as error:
        raise RedesError(
            f"{path} refers to types the baseline does not use, so nothing was loaded ({error}); {redo}"
        ) from None
    except Exception as error:  # a damaged or foreign zip raises whatever its reader meets
        raise RedesError(
            f"{path} is not a skops file of the baseline ({type(error).__name__}: {error}); it is never read as a "
            f"pickle, which could run code; {redo}"
        ) from None
    if not isinstance(pipeline, Pipeline):
        raise RedesError(f"{path} holds a {type(pipeline).__name__}, not the baseline's pipeline; {redo}")
    return pipeline
