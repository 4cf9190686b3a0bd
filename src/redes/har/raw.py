"""Reading the HAPT raw-data release: the labelled segments and the 50 Hz recordings, straight from the zip.

Either layout is accepted (the course mirror's `HAPT Data Set/RawData/...` or the UCI
archive's `RawData/...`): the recordings are found next to `RawData/labels.txt`, wherever
it sits. A malformed file is an error naming the member and the line.
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


def read_recordings(archive: zipfile.ZipFile, folder: str, source: Path) -> dict[int, Recording]:
    """Every experiment's two sensors, by experiment number; both must be there, equally long."""
    found: dict[tuple[int, int], dict[str, str]] = {}
    for name in archive.namelist():
        if name.startswith(folder + "RawData/") and (match := _RECORDING.fullmatch(name.rsplit("/", 1)[-1])):
            sensor, experiment, subject = match.group(1), int(match.group(2)), int(match.group(3))
            found.setdefault((experiment, subject), {})[sensor] = name
    recordings = {}
    for (experiment, subject), members in sorted(found.items()):
        missing = {"acc", "gyro"} - set(members)
        if missing:
            raise RawDataError(f"{source}: experiment {experiment} of subject {subject} has no {missing.pop()} file")
        acceleration = _table(archive, members["acc"], 3, np.float64, source)
        angular_velocity = _table(archive, members["gyro"], 3, np.float64, source)
        if len(acceleration) != len(angular_velocity):
            raise RawDataError(
                f"{source}: experiment {experiment} has {len(acceleration)} accelerometer and "
                f"{len(angular_velocity)} gyroscope samples; the two must be recorded together"
            )
        recordings[experiment] = Recording(experiment, subject, acceleration, angular_velocity)
    return recordings
