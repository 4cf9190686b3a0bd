"""UTKFace for the face-aging project: ages and genders read from the names, faces resized, a stratified split.

UTKFace (Zhang, Song, Qi, CVPR 2017) holds 23,708 aligned and cropped 200x200 faces named
`age_gender_race_datetime.jpg.chip.jpg`. Five published names break that pattern (three lack
the race field, one has a space, one a missing dot); all of them still begin with age and
gender, which is what the aging needs, so they are read and listed as irregular. A name that
does not give both is skipped and listed, never a crash.

Ages are binned into the CAAE paper's ten groups. UTKFace has no identity labels, so the split
is by file: seeded and stratified by age group, so every group keeps its share in each split.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.model_selection import train_test_split

from redes.aging.groups import GENDERS, GROUP_NAMES, OLDEST_AGE, age_group
from redes.errors import RedesError
from redes.files import load_arrays, save_arrays

UTKFACE_FILE = "UTKFace.tar.gz"

SPLITS = ("train", "validation", "test")

# Age and gender, then (where the name has it) the race code; what follows is the date.
_NAME = re.compile(r"^(?P<age>\d{1,3})_(?P<gender>[01])_(?:(?P<race>[0-4])_)?\d")
_REGULAR_NAME = re.compile(r"^\d{1,3}_[01]_[0-4]_\d+\.jpg\.chip\.jpg$")


class FaceArchiveError(RedesError):
    """The UTKFace archive cannot be read; the message names the file (and member)."""


@dataclass(frozen=True)
class FaceLabel:
    age: int
    gender: int  # an index into GENDERS
    race: int | None  # UTKFace's race code, absent from three published names


def parse_face_name(name: str) -> FaceLabel | None:
    """Age, gender and race from a UTKFace file name (any folder); None when the name gives no age and gender."""
    match = _NAME.match(Path(name).name)
    if match is None or int(match["age"]) > OLDEST_AGE:  # an age above it is a misread name
        return None
    race = match["race"]
    return FaceLabel(age=int(match["age"]), gender=int(match["gender"]), race=None if race is None else int(race))


def is_regular_name(name: str) -> bool:
    return _REGULAR_NAME.match(Path(name).name) is not None


@dataclass
class FaceArchive:
    """Every face of the archive that has an age and a gender, resized; and the names read otherwise."""

    images: np.ndarray  # (N, size, size, 3) uint8 RGB
    ages: np.ndarray  # (N,) int16
    genders: np.ndarray  # (N,) int8
    names: np.ndarray  # (N,) str, the file names without their folder
    irregular: list[str] = field(default_factory=list)  # read, though off the published pattern
    skipped: list[str] = field(default_factory=list)  # no age and gender in the name


def _resized_face(data: bytes, image_size: int, where: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Lanczos with a reducing gap: a 200-pixel face to 64 pixels without aliasing, quickly.
            face = image.convert("RGB").resize((image_size, image_size), Image.Resampling.LANCZOS, reducing_gap=2.0)
            return np.asarray(face, dtype=np.uint8)
    except (OSError, ValueError) as error:
        raise FaceArchiveError(f"{where}: not a readable JPEG ({error}); download the archive again") from None


def _jpeg_members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in archive:
        if member.isfile() and member.name.endswith(".jpg"):
            yield member


def read_utkface(path: Path, image_size: int) -> FaceArchive:
    """The faces of UTKFace.tar.gz at image_size x image_size, in the archive's order."""
    images, ages, genders, names, irregular, skipped = [], [], [], [], [], []
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in _jpeg_members(archive):
                name = Path(member.name).name
                label = parse_face_name(name)
                if label is None:
                    skipped.append(name)
                    continue
                if not is_regular_name(name):
                    irregular.append(name)
                images.append(_resized_face(archive.extractfile(member).read(), image_size, f"{path}:{member.name}"))
                ages.append(label.age)
                genders.append(label.gender)
                names.append(name)
    except (tarfile.TarError, EOFError) as error:
        raise FaceArchiveError(f"{path}: not a readable .tar.gz ({error}); download it again") from None
    if not images:
        raise FaceArchiveError(f"{path}: no UTKFace faces (age_gender_race_date.jpg.chip.jpg) in it")
    return FaceArchive(
        images=np.stack(images),
        ages=np.asarray(ages, dtype=np.int16),
        genders=np.asarray(genders, dtype=np.int8),
        names=np.asarray(names),
        irregular=irregular,
        skipped=skipped,
    )


def split_by_age_group(
    ages: np.ndarray, validation_fraction: float, test_fraction: float, seed: int
) -> dict[str, np.ndarray]:
    """Sorted indices of each split: seeded, every age group in the same proportions in all three."""
    indices = np.arange(len(ages))
    groups = age_group(ages)
    rest, test = train_test_split(indices, test_size=test_fraction, stratify=groups, random_state=seed)
    train, validation = train_test_split(
        rest, test_size=validation_fraction / (1.0 - test_fraction), stratify=groups[rest], random_state=seed
    )
    return {"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)}


@dataclass(frozen=True)
class FaceSplits:
    """Faces (N, size, size, 3) uint8 with their ages, genders and file names, in three splits."""

    x_train: np.ndarray
    age_train: np.ndarray
    gender_train: np.ndarray
    name_train: np.ndarray
    x_val: np.ndarray
    age_val: np.ndarray
    gender_val: np.ndarray
    name_val: np.ndarray
    x_test: np.ndarray
    age_test: np.ndarray
    gender_test: np.ndarray
    name_test: np.ndarray

    def split(self, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Faces, ages, genders and names of one of SPLITS."""
        suffix = {"train": "train", "validation": "val", "test": "test"}[split]
        return tuple(getattr(self, f"{kind}_{suffix}") for kind in ("x", "age", "gender", "name"))

    def sizes(self) -> dict[str, int]:
        return {split: len(self.split(split)[1]) for split in SPLITS}

    def card(self) -> dict[str, dict[str, dict[str, int]]]:
        """Faces per age group and gender in each split, for the report's data card."""
        card = {}
        for split in SPLITS:
            _, ages, genders, _ = self.split(split)
            groups = age_group(ages)
            card[split] = {
                group_name: {
                    gender_name: int(np.sum((groups == group) & (genders == gender)))
                    for gender, gender_name in enumerate(GENDERS)
                }
                for group, group_name in enumerate(GROUP_NAMES)
            }
        return card


def prepare(archive: FaceArchive, validation_fraction: float, test_fraction: float, seed: int) -> FaceSplits:
    """The archive's faces in the seeded, age-stratified split."""
    splits = split_by_age_group(archive.ages, validation_fraction, test_fraction, seed)
    arrays = {}
    for split, suffix in (("train", "train"), ("validation", "val"), ("test", "test")):
        chosen = splits[split]
        arrays[f"x_{suffix}"] = archive.images[chosen]
        arrays[f"age_{suffix}"] = archive.ages[chosen]
        arrays[f"gender_{suffix}"] = archive.genders[chosen]
        arrays[f"name_{suffix}"] = archive.names[chosen]
    return FaceSplits(**arrays)


def save_splits(splits: FaceSplits, path: Path) -> Path:
    return save_arrays(splits, path)


def load_splits(path: Path) -> FaceSplits:
    return load_arrays(FaceSplits, path, advice="run `dvc repro aging_prepare`")


def to_unit_range(faces: np.ndarray) -> np.ndarray:
    """uint8 faces as float32 in [-1, 1], what every network here takes."""
    return faces.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def to_uint8(faces: np.ndarray) -> np.ndarray:
    """Faces in [-1, 1] back to uint8."""
    return np.clip(np.rint((np.asarray(faces) + 1.0) * 127.5), 0, 255).astype(np.uint8)
