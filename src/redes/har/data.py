"""HAPT raw signals to standardised windows, split by subject: what the HAR models train on.

Per experiment, both sensors go through the median and the noise low-pass filter; the
acceleration is then split into body motion and gravity. Windows are cut inside each
labelled segment of the chosen activities, so none mixes two activities or two
experiments. Subjects, not windows, are split: no test subject is seen in training or
validation. Each of the nine channels is standardised with the training windows' mean
and standard deviation.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redes.errors import RedesError
from redes.har.params import HarData
from redes.har.raw import raw_data_folder, read_recordings, read_segments
from redes.har.signals import cut_windows, lowpass, median_filter, split_gravity

# HAPT's activity_labels.txt, ids 1-12; 7-12 are the postural transitions.
ACTIVITY_NAMES = {
    1: "walking",
    2: "walking upstairs",
    3: "walking downstairs",
    4: "sitting",
    5: "standing",
    6: "laying",
    7: "stand to sit",
    8: "sit to stand",
    9: "sit to lie",
    10: "lie to sit",
    11: "stand to lie",
    12: "lie to stand",
}
CHANNELS = tuple(f"{signal}_{axis}" for signal in ("body_acc", "body_gyro", "total_acc") for axis in "xyz")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class HarWindows:
    """Windows (n, time, 9 channels) float32, standardised; labels are indices into `activities`."""

    activities: tuple[int, ...]  # HAPT ids of the classes, in label order
    x: dict[str, np.ndarray]  # split -> windows
    y: dict[str, np.ndarray]  # split -> class index (uint8)
    subject: dict[str, np.ndarray]  # split -> subject of each window
    channel_mean: np.ndarray  # (9,), of the training windows, before standardisation
    channel_std: np.ndarray

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(ACTIVITY_NAMES[activity] for activity in self.activities)

    def card(self) -> dict:
        """Windows per class and per subject in each split, for the report's data card."""
        return {
            split: {
                "windows": len(self.y[split]),
                "per_class": {
                    name: int(count)
                    for name, count in zip(
                        self.class_names, np.bincount(self.y[split], minlength=len(self.activities)), strict=True
                    )
                },
                "per_subject": {
                    str(subject): int(count)
                    for subject, count in zip(*np.unique(self.subject[split], return_counts=True), strict=True)
                },
            }
            for split in SPLITS
        }


def _channels(acceleration: np.ndarray, angular_velocity: np.ndarray, params: HarData) -> np.ndarray:
    """(samples, 9): body acceleration, body angular velocity, total acceleration, each xyz."""

    def denoise(samples: np.ndarray) -> np.ndarray:
        return lowpass(
            median_filter(samples, params.median_kernel),
            params.noise_cutoff_hz,
            params.sampling_hz,
            params.filter_order,
        )

    total = denoise(acceleration)
    body, _ = split_gravity(total, params.gravity_cutoff_hz, params.sampling_hz, params.filter_order)
    return np.concatenate([body, denoise(angular_velocity), total], axis=1)


def prepare(zip_path: Path, params: HarData) -> HarWindows:
    """Filter every experiment, cut windows inside the chosen activities' segments, split by subject, standardise."""
    with zipfile.ZipFile(zip_path) as archive:
        folder = raw_data_folder(archive, zip_path)
        segments = read_segments(archive, folder, zip_path)
        recordings = read_recordings(archive, folder, segments, zip_path)
    class_index = {activity: index for index, activity in enumerate(params.activities)}
    windows, labels, subjects = [], [], []
    for experiment, recording in recordings.items():
        channels = _channels(recording.acceleration, recording.angular_velocity, params)
        for segment in segments:
            if segment.experiment != experiment or segment.activity not in class_index:
                continue
            if segment.last >= len(channels):
                raise RedesError(
                    f"{zip_path}: labels.txt puts a segment of experiment {experiment} at samples "
                    f"{segment.first + 1}-{segment.last + 1}, past the end of its {len(channels)} samples"
                )
            cut = cut_windows(channels, segment.first, segment.last, params.window_length, params.window_step)
            windows.append(cut)
            labels += [class_index[segment.activity]] * len(cut)
            subjects += [recording.subject] * len(cut)
    x, y, subject = np.concatenate(windows), np.asarray(labels, dtype=np.uint8), np.asarray(subjects)

    split_of = np.where(
        np.isin(subject, params.test_subjects), 2, np.where(np.isin(subject, params.validation_subjects), 1, 0)
    )
    for index, split in enumerate(SPLITS):
        if not np.any(split_of == index):
            raise RedesError(f"{zip_path}: no windows for the {split} split; check har.data's subject lists")
    train = x[split_of == 0]
    mean, std = train.mean(axis=(0, 1)), train.std(axis=(0, 1))
    standardised = ((x - mean) / std).astype(np.float32)
    return HarWindows(
        activities=tuple(params.activities),
        x={split: standardised[split_of == index] for index, split in enumerate(SPLITS)},
        y={split: y[split_of == index] for index, split in enumerate(SPLITS)},
        subject={split: subject[split_of == index] for index, split in enumerate(SPLITS)},
        channel_mean=mean,
        channel_std=std,
    )


def save_windows(windows: HarWindows, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"{kind}_{split}": getattr(windows, kind)[split] for kind in ("x", "y", "subject") for split in SPLITS}
    np.savez_compressed(
        path,
        activities=np.asarray(windows.activities),
        channel_mean=windows.channel_mean,
        channel_std=windows.channel_std,
        **arrays,
    )
    return path


def load_windows(path: Path) -> HarWindows:
    try:
        with np.load(path) as data:
            return HarWindows(
                activities=tuple(int(a) for a in data["activities"]),
                x={split: data[f"x_{split}"] for split in SPLITS},
                y={split: data[f"y_{split}"] for split in SPLITS},
                subject={split: data[f"subject_{split}"] for split in SPLITS},
                channel_mean=data["channel_mean"],
                channel_std=data["channel_std"],
            )
    except FileNotFoundError:
        raise RedesError(f"{path} is missing; run `dvc repro har_prepare`") from None
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise RedesError(
            f"{path} is not a HAR windows file ({error}); delete it and run `dvc repro har_prepare`"
        ) from None
