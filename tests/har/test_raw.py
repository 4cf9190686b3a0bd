"""Reading the HAPT raw-data zip in either layout; malformed files are named with their line."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from redes.fetch import fetch, sha256_of
from redes.har.data import prepare
from redes.har.raw import (
    LABELS_MEMBER,
    RawDataError,
    raw_data_folder,
    read_recordings,
    read_segments,
    recording_members,
)
from redes.sections import load_all_params
from redes.sources import dataset_sources
from tests.helpers import REPO_ROOT
from tests.helpers.synthetic import write_hapt_zip

SUBJECTS = {1: 1, 2: 1, 3: 2}
SENSORS = ("acc", "gyro")


@pytest.mark.parametrize("folder", ["HAPT Data Set/", ""])
def test_both_layouts_read_the_same(tmp_path: Path, folder: str) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", folder, SUBJECTS, samples=1400)
    with zipfile.ZipFile(path) as archive:
        assert raw_data_folder(archive, path) == folder
        segments = read_segments(archive, folder, path)
        recordings = read_recordings(archive, folder, segments, path)
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
        read_recordings(archive, "", read_segments(archive, "", path), path)


def test_a_missing_sensor_is_named(tmp_path: Path) -> None:
    path = write_hapt_zip(tmp_path / "hapt.zip", "", SUBJECTS, samples=1400)
    _rewrite(path, "RawData/gyro_exp03_user02.txt", "")
    with zipfile.ZipFile(path) as archive, pytest.raises(RawDataError, match="experiment 3 of subject 2 has no gyro"):
        read_recordings(archive, "", read_segments(archive, "", path), path)


MIRROR = os.environ.get("REDES_DATA_MIRROR")


def _add_members(path: Path, extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "a") as archive:
        for name, data in extra.items():
            archive.writestr(name, data)
    return path


def test_a_recording_that_labels_do_not_list_is_refused(tmp_path: Path) -> None:
    """Experiment 1 again, filed as subject 7's under another folder: it would move exp 1's windows to subject 7."""
    path = write_hapt_zip(tmp_path / "hapt.zip", "", SUBJECTS, samples=1400)
    with zipfile.ZipFile(path) as archive:
        copies = {f"RawData/zz/{s}_exp01_user07.txt": archive.read(f"RawData/{s}_exp01_user01.txt") for s in SENSORS}
    _add_members(path, copies)
    with (
        zipfile.ZipFile(path) as archive,
        pytest.raises(RawDataError, match=r"RawData/zz/acc_exp01_user07\.txt .* does not list.*download it again"),
    ):
        read_recordings(archive, "", read_segments(archive, "", path), path)


@pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no published HAPT zip to tamper with")
def test_a_tampered_release_that_passes_the_download_is_refused_by_the_reader(tmp_path: Path) -> None:
    """The real zip plus subject 7's copy of experiment 1: the download accepts it, its 123 members being the
    published ones, so the reader is what must refuse the two members that are not."""
    (source,) = dataset_sources("hapt")
    tampered = tmp_path / "mirror" / "hapt" / source.filename
    tampered.parent.mkdir(parents=True)
    shutil.copyfile(Path(MIRROR) / "hapt" / source.filename, tampered)
    folder = "HAPT Data Set/"
    with zipfile.ZipFile(tampered) as archive:
        copies = {
            f"{folder}RawData/zz/{s}_exp01_user07.txt": archive.read(f"{folder}RawData/{s}_exp01_user01.txt")
            for s in SENSORS
        }
    _add_members(tampered, copies)

    path = fetch(source, tmp_path / "raw", str(tmp_path / "mirror"), show_progress=False)
    assert sha256_of(path) != source.sha256  # not the published file, accepted for its members
    with pytest.raises(RawDataError, match=r"HAPT Data Set/RawData/zz/acc_exp01_user07\.txt .* does not list"):
        prepare(path, load_all_params(REPO_ROOT / "params.yaml").har.data)


@pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no published HAPT zip to read")
def test_the_recordings_labels_list_are_the_manifest_members() -> None:
    """Reading what labels.txt lists reads exactly the members the download verified against the manifest."""
    (source,) = dataset_sources("hapt")
    path = Path(MIRROR) / "hapt" / source.filename
    with zipfile.ZipFile(path) as archive:
        folder = raw_data_folder(archive, path)
        segments = read_segments(archive, folder, path)
    members = recording_members(segments)
    listed = {LABELS_MEMBER} | {member for pair in members.values() for member in pair.files}
    assert listed == {member for member, _ in source.members}
    assert len(members) == 61
