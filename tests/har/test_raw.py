"""Reading the HAPT raw-data zip in either layout; malformed files are named with their line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from redes.har.raw import RawDataError, raw_data_folder, read_recordings, read_segments
from tests.helpers.synthetic import write_hapt_zip

SUBJECTS = {1: 1, 2: 1, 3: 2}


@pytest.mark.parametrize("folder", ["HAPT Data Set/", ""])
def test_both_layouts_read_the_same(tmp_path: Path, folder: str) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", folder, SUBJECTS, samples=1400)
    with zipfile.ZipFile(path) as archive:
        assert raw_data_folder(archive, path) == folder
        segments = read_segments(archive, folder, path)
        recordings = read_recordings(archive, folder, path)
    assert len(segments) == 3 * 12
    assert segments[0].first == 0 and segments[0].activity == 1  # labels.txt counts samples from 1
    assert sorted(recordings) == [1, 2, 3] and recordings[3].subject == 2
    assert recordings[1].acceleration.shape == recordings[1].angular_velocity.shape == (1400, 3)


def test_a_zip_without_labels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("UCI HAR Dataset/train/X_train.txt", "1 2 3\n")
    with zipfile.ZipFile(path) as archive, pytest.raises(RawDataError, match=r"no RawData/labels\.txt"):
        raw_data_folder(archive, path)


def _rewrite(path: Path, member: str, text: str) -> Path:
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist() if name != member}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
        if text:
            archive.writestr(member, text)
    return path


def test_a_malformed_line_is_named(tmp_path: Path) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", "", SUBJECTS, samples=1400)
    _rewrite(path, "RawData/labels.txt", "1 1 5 250 1232\n1 1 7 1233\n")
    with zipfile.ZipFile(path) as archive, pytest.raises(RawDataError, match=r"labels\.txt, line 2: expected 5"):
        read_segments(archive, "", path)


def test_a_value_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", "", SUBJECTS, samples=1400)
    _rewrite(path, "RawData/acc_exp02_user01.txt", "0.1 0.2 0.3\n0.1 x 0.3\n")
    with (
        zipfile.ZipFile(path) as archive,
        pytest.raises(RawDataError, match=r"acc_exp02_user01\.txt, line 2: 'x' is not a number"),
    ):
        read_recordings(archive, "", path)


def test_a_missing_sensor_is_named(tmp_path: Path) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", "", SUBJECTS, samples=1400)
    _rewrite(path, "RawData/gyro_exp03_user02.txt", "")
    with zipfile.ZipFile(path) as archive, pytest.raises(RawDataError, match="experiment 3 of subject 2 has no gyro"):
        read_recordings(archive, "", path)
