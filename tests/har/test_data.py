"""HAPT raw signals to windows on a synthetic zip in the real layout: counts, the subject split, standardisation."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from redes.errors import RedesError
from redes.har.data import CHANNELS, SPLITS, load_windows, prepare, save_windows
from redes.har.params import HarData
from redes.sections import load_all_params
from tests.helpers import REPO_ROOT
from tests.helpers.synthetic import HAPT_SAMPLES, HAPT_SUBJECTS, write_hapt_zip


@pytest.fixture(scope="module")
def params() -> HarData:
    return load_all_params(REPO_ROOT / "params.yaml").har.data


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hapt_zip(tmp_path_factory.mktemp("hapt") / "hapt.zip", "", HAPT_SUBJECTS, HAPT_SAMPLES)


def test_window_counts_per_split(archive: Path, params: HarData) -> None:
    windows = prepare(archive, params)
    # Each synthetic activity lasts 266 samples: (266 - 128) // 64 + 1 = 3 windows, 6 activities per experiment.
    assert {split: len(windows.y[split]) for split in SPLITS} == {"train": 54, "validation": 18, "test": 36}
    assert windows.x["train"].shape == (54, 128, len(CHANNELS))
    assert windows.x["train"].dtype == np.float32
    assert np.all(np.bincount(windows.y["test"]) == 6)


def test_no_subject_is_in_two_splits(archive: Path, params: HarData) -> None:
    windows = prepare(archive, params)
    subjects = {split: set(windows.subject[split].tolist()) for split in SPLITS}
    assert subjects == {"train": {1, 3, 5}, "validation": {7}, "test": {2}}


def test_standardised_with_the_training_windows_only(archive: Path, params: HarData) -> None:
    windows = prepare(archive, params)
    np.testing.assert_allclose(windows.x["train"].mean(axis=(0, 1)), 0.0, atol=1e-5)
    np.testing.assert_allclose(windows.x["train"].std(axis=(0, 1)), 1.0, atol=1e-4)
    assert not np.allclose(windows.x["test"].mean(axis=(0, 1)), 0.0, atol=1e-3)  # test statistics not used


def test_each_window_carries_its_segments_signal(archive: Path, params: HarData) -> None:
    """Activity k is a k Hz tone in the synthetic recordings: the window's body acceleration peaks there."""
    windows = prepare(archive, params)
    for split in SPLITS:
        spectrum = np.abs(np.fft.rfft(windows.x[split][:, :, CHANNELS.index("body_acc_z")], axis=1))
        peak_hz = np.argmax(spectrum[:, 1:], axis=1) * params.sampling_hz / params.window_length + (
            params.sampling_hz / params.window_length
        )
        activity_hz = np.asarray(windows.activities)[windows.y[split]]
        assert np.all(np.abs(peak_hz - activity_hz) <= params.sampling_hz / params.window_length)


def test_saved_windows_load_back(archive: Path, params: HarData, tmp_path: Path) -> None:
    windows = prepare(archive, params)
    loaded = load_windows(save_windows(windows, tmp_path / "har.npz"))
    assert loaded.activities == windows.activities and loaded.card() == windows.card()
    np.testing.assert_array_equal(loaded.x["test"], windows.x["test"])
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(RedesError, match=r"broken\.npz is not a HAR windows file"):
        load_windows(tmp_path / "broken.npz")


def test_a_segment_past_the_recording_is_named(tmp_path: Path, params: HarData) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", "", {1: 1, 2: 2, 3: 7}, HAPT_SAMPLES)
    with zipfile.ZipFile(path) as archive:
        labels = archive.read("RawData/labels.txt").decode() + f"1 1 4 {HAPT_SAMPLES - 10} {HAPT_SAMPLES + 200}\n"
        contents = {name: archive.read(name) for name in archive.namelist() if not name.endswith("labels.txt")}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
        archive.writestr("RawData/labels.txt", labels)
    with pytest.raises(RedesError, match=rf"experiment 1 at samples {HAPT_SAMPLES - 10}-{HAPT_SAMPLES + 200}"):
        prepare(path, params)
