"""UTKFace read from its published layout: names with their quirks, faces resized, an age-stratified split."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from redes.aging.data import (
    UTKFACE_FILE,
    FaceArchiveError,
    load_splits,
    parse_face_name,
    prepare,
    read_utkface,
    save_splits,
    split_by_age_group,
)
from redes.aging.groups import GENDERS, GROUP_NAMES, age_group
from redes.errors import RedesError
from tests.helpers.synthetic import UTKFACE_IRREGULAR_NAMES, write_utkface_tar

MIRROR = os.environ.get("REDES_DATA_MIRROR")


@pytest.mark.parametrize(
    ("name", "age", "gender", "race"),
    [
        ("UTKFace/100_0_0_20170112213500903.jpg.chip.jpg", 100, 0, 0),
        ("1_1_2_20161219140530307.jpg.chip.jpg", 1, 1, 2),
        ("39_1_20170116174525125.jpg.chip.jpg", 39, 1, None),  # no race field
        ("24_0_1_20170116220224657 .jpg.chip.jpg", 24, 0, 1),  # a space
        ("55_0_0_20170116232725357jpg.chip.jpg", 55, 0, 0),  # a missing dot
    ],
)
def test_a_name_gives_age_gender_and_race_where_it_has_them(name: str, age: int, gender: int, race: int | None) -> None:
    label = parse_face_name(name)
    assert (label.age, label.gender, label.race) == (age, gender, race)


@pytest.mark.parametrize("name", ["face.jpg", "_1_0_2017.jpg.chip.jpg", "30_2_0_2017.jpg.chip.jpg", "250_0_0_2017.jpg"])
def test_a_name_without_age_and_gender_gives_none(name: str) -> None:
    assert parse_face_name(name) is None


def test_ages_fall_in_the_caae_groups() -> None:
    ages = np.array([0, 5, 6, 10, 11, 15, 16, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61, 70, 71, 116])
    assert [GROUP_NAMES[group] for group in age_group(ages)] == [name for name in GROUP_NAMES for _ in (0, 1)]


def test_the_archive_is_read_with_its_quirks_reported(tmp_path: Path) -> None:
    path = write_utkface_tar(tmp_path / UTKFACE_FILE, per_group=3, extra={"notes.txt": b"x", "x_face.jpg": b"y"})
    archive = read_utkface(path, image_size=32)
    assert archive.images.shape == (30 + 5, 32, 32, 3) and archive.images.dtype == np.uint8
    assert sorted(archive.irregular) == sorted(UTKFACE_IRREGULAR_NAMES)
    assert archive.skipped == ["x_face.jpg"]  # a JPEG whose name has no age; the text file is no face
    index = list(archive.names).index("39_1_20170116174525125.jpg.chip.jpg")
    assert (archive.ages[index], archive.genders[index]) == (39, 1)
    # Resized, not cropped: the dark eyes stay where they were on the skin (rows 0.48, columns 0.37 of the face).
    eye, cheek = archive.images[:, 15, 12].mean(), archive.images[:, 20, 16].mean()
    assert eye < 0.5 * cheek


def test_a_corrupt_face_names_its_member(tmp_path: Path) -> None:
    path = write_utkface_tar(tmp_path / UTKFACE_FILE, per_group=1, extra={"30_0_0_20170101.jpg.chip.jpg": b"not jpeg"})
    with pytest.raises(FaceArchiveError, match=r"UTKFace/30_0_0_20170101\.jpg\.chip\.jpg: not a readable JPEG"):
        read_utkface(path, image_size=16)


def test_a_truncated_archive_names_the_file(tmp_path: Path) -> None:
    path = write_utkface_tar(tmp_path / UTKFACE_FILE, per_group=1)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(FaceArchiveError, match=str(path)):
        read_utkface(path, image_size=16)


def test_the_split_is_seeded_disjoint_and_stratified_by_age_group() -> None:
    ages = np.random.default_rng(0).choice([3, 8, 13, 18, 25, 35, 45, 55, 65, 80], size=2000, p=[0.1] * 10)
    splits = split_by_age_group(ages, validation_fraction=0.1, test_fraction=0.2, seed=3)
    together = np.concatenate(list(splits.values()))
    assert np.array_equal(np.sort(together), np.arange(len(ages)))  # every face in exactly one split
    assert [len(splits[split]) for split in ("train", "validation", "test")] == [1400, 200, 400]
    for split, indices in splits.items():
        shares = np.bincount(age_group(ages[indices]), minlength=10) / len(indices)
        overall = np.bincount(age_group(ages), minlength=10) / len(ages)
        assert np.abs(shares - overall).max() < 0.01, split
    again = split_by_age_group(ages, validation_fraction=0.1, test_fraction=0.2, seed=3)
    assert all(np.array_equal(splits[split], again[split]) for split in splits)
    other = split_by_age_group(ages, validation_fraction=0.1, test_fraction=0.2, seed=4)
    assert not np.array_equal(splits["test"], other["test"])


def test_prepared_splits_round_trip_with_their_card(tmp_path: Path) -> None:
    archive = read_utkface(write_utkface_tar(tmp_path / UTKFACE_FILE, per_group=10), image_size=16)
    splits = prepare(archive, validation_fraction=0.2, test_fraction=0.2, seed=0)
    loaded = load_splits(save_splits(splits, tmp_path / "aging.npz"))
    assert loaded.sizes() == splits.sizes() and sum(loaded.sizes().values()) == 105
    assert np.array_equal(loaded.x_test, splits.x_test) and list(loaded.name_test) == list(splits.name_test)
    card = loaded.card()
    assert set(card) == {"train", "validation", "test"} and set(card["test"]) == set(GROUP_NAMES)
    assert all(set(counts) == set(GENDERS) for counts in card["test"].values())
    assert sum(sum(counts.values()) for split in card.values() for counts in split.values()) == 105
    names = [set(loaded.split(split)[3]) for split in ("train", "validation", "test")]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])


def test_a_foreign_file_is_no_prepared_split(tmp_path: Path) -> None:
    (tmp_path / "aging.npz").write_bytes(b"nonsense")
    with pytest.raises(RedesError, match="dvc repro aging_prepare"):
        load_splits(tmp_path / "aging.npz")


@pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no real UTKFace to read")
def test_the_real_utkface_names_all_parse_and_five_are_irregular() -> None:
    import tarfile

    with tarfile.open(Path(MIRROR) / "utkface" / UTKFACE_FILE, "r:gz") as archive:
        names = [Path(name).name for name in archive.getnames() if name.endswith(".jpg")]
    labels = [parse_face_name(name) for name in names]
    assert len(names) == 23708 and None not in labels
    assert sum(label.race is None for label in labels) == 3
    counts = np.bincount(age_group([label.age for label in labels]), minlength=10)
    assert counts.sum() == 23708 and counts.min() > 500  # every group has faces to learn from
