"""Reading the HAPT raw-data release: the labelled segments and the 50 Hz recordings, straight from the zip.

Either layout is accepted (the course mirror's `HAPT Data Set/RawData/...` or the UCI
archive's `RawData/...`): the recordings are found next to `RawData/labels.txt`, wherever
it sits. A malformed file is an error naming the member and the line.

Only the recordings that labels.txt lists are read, at their place in the release, and a
zip holding any other file named like a recording is refused. The download accepts a zip
whose members listed in redes/manifests/hapt.sha256 are the published ones, whatever else
it holds (the publisher's archive also has pre-cut features), so anything the reader takes
beyond those members is unverified: a copy of one experiment filed under another subject
would silently move its windows to another split. labels.txt is such a verified member and
names exactly the manifest's 61 experiments (tests/har/test_raw.py checks it on the real
zip), and unlike the manifest it also describes the synthetic zips the tests build. Extra
recordings are refused rather than skipped: they mean this is not the published zip, and
whoever has it should know and download it again, not train on it unaware.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redes.errors import RedesError
from redes.files import zip_folder

Array = np.ndarray

LABELS_MEMBER = "RawData/labels.txt"
_RECORDING = re.compile(r"(acc|gyro)_exp(\d+)_user(\d+)\.txt")


class RawDataError(RedesError):
    """The HAPT zip is missing a file or holds a malformed one."""


@dataclass(frozen=True)
class Segment:
    """One line of labels.txt: an activity between two samples (0-based, inclusive) of one experiment."""

    experiment: int
    subject: int
    activity: int
    first: int
    last: int


@dataclass(frozen=True)
class Recording:
    """One experiment: one subject's accelerometer (g) and gyroscope (rad/s) at 50 Hz, (samples, 3) each."""

    experiment: int
    subject: int
    acceleration: Array
    angular_velocity: Array


def raw_data_folder(archive: zipfile.ZipFile, source: Path) -> str:
    """The prefix of `RawData/` inside the zip, '' or e.g. 'HAPT Data Set/'."""
    folder = zip_folder(archive.namelist(), LABELS_MEMBER)
    if folder is not None:
        return folder
    raise RawDataError(
        f"{source} has no {LABELS_MEMBER}: expected the HAPT raw-data release (UCI dataset 341); "
        "download it again or point REDES_DATA_MIRROR at a folder holding hapt/HAPT_Data_Set_RawData.zip"
    )


def _table(archive: zipfile.ZipFile, member: str, columns: int, dtype: type, source: Path) -> Array:
    """A whitespace-separated table of `columns` numbers per line; errors name the member and the line."""
    text = archive.read(member).decode("ascii", errors="replace")
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if len(fields) != columns:
            raise RawDataError(f"{source}:{member}, line {number}: expected {columns} numbers, got {line!r}")
    try:
        return np.loadtxt(io.StringIO(text), dtype=dtype, ndmin=2)
    except ValueError:
        pass
    # Only on the error path: find the first line that does not parse, to name it.
    for number, line in enumerate(text.splitlines(), start=1):
        for field in line.split():
            try:
                dtype(field)
            except ValueError:
                raise RawDataError(f"{source}:{member}, line {number}: {field!r} is not a number") from None
    raise RawDataError(f"{source}:{member}: not a table of {dtype.__name__} numbers")


def read_segments(archive: zipfile.ZipFile, folder: str, source: Path) -> list[Segment]:
    """labels.txt, its 1-based inclusive sample numbers turned 0-based."""
    rows = _table(archive, folder + LABELS_MEMBER, 5, np.int64, source)
    return [Segment(int(e), int(s), int(a), int(first) - 1, int(last) - 1) for e, s, a, first, last in rows]


@dataclass(frozen=True)
class RecordingFiles:
    """The two members, relative to the folder holding RawData/, in which one experiment was recorded."""

    subject: int
    acceleration: str
    angular_velocity: str

    @property
    def files(self) -> tuple[str, str]:
        return self.acceleration, self.angular_velocity


def recording_members(segments: list[Segment]) -> dict[int, RecordingFiles]:
    """By experiment, the files of every experiment that labels.txt lists, named as the release names them."""
    members: dict[int, RecordingFiles] = {}
    for segment in segments:
        name = f"exp{segment.experiment:02d}_user{segment.subject:02d}.txt"
        files = RecordingFiles(segment.subject, f"RawData/acc_{name}", f"RawData/gyro_{name}")
        if members.setdefault(segment.experiment, files) != files:
            raise RawDataError(
                f"labels.txt gives experiment {segment.experiment} to subjects "
                f"{members[segment.experiment].subject} and {segment.subject}; one experiment has one subject"
            )
    return members


def read_recordings(
    archive: zipfile.ZipFile, folder: str, segments: list[Segment], source: Path
) -> dict[int, Recording]:
    """Every experiment of `segments` (labels.txt), both sensors equally long, by experiment number.

    A zip holding a recording that labels.txt does not list is refused (see the module's docstring).
    """
    members = recording_members(segments)
    listed = {folder + member for files in members.values() for member in files.files}
    unlisted = [
        name for name in archive.namelist() if _RECORDING.fullmatch(name.rsplit("/", 1)[-1]) and name not in listed
    ]
    if unlisted:
        more = f" (and {len(unlisted) - 1} more)" if len(unlisted) > 1 else ""
        raise RawDataError(
            f"{source}: {unlisted[0]}{more} is a recording that {folder}{LABELS_MEMBER} does not list, so not a "
            "file of the HAPT release: this zip was altered. Delete it and download it again with "
            "`dvc repro har_download` (REDES_DATA_MIRROR pointing at the course mirror, or unset for UCI's archive)"
        )
    names = set(archive.namelist())
    recordings = {}
    for experiment, files in sorted(members.items()):
        for sensor, member in zip(("acc", "gyro"), files.files, strict=True):
            if folder + member not in names:
                raise RawDataError(
                    f"{source}: experiment {experiment} of subject {files.subject} has no {sensor} file ({member})"
                )
        acceleration = _table(archive, folder + files.acceleration, 3, np.float64, source)
        angular_velocity = _table(archive, folder + files.angular_velocity, 3, np.float64, source)
        if len(acceleration) != len(angular_velocity):
            raise RawDataError(
                f"{source}: experiment {experiment} has {len(acceleration)} accelerometer and "
                f"{len(angular_velocity)} gyroscope samples; the two must be recorded together"
            )
        recordings[experiment] = Recording(experiment, files.subject, acceleration, angular_velocity)
    return recordings
