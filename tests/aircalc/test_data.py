"""The 14-class symbol set: operator archives read in their published layouts, split by writing."""

from __future__ import annotations

import hashlib
import os
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from redes.aircalc.data import (
    BHMSDS_FILE,
    MDAS_FILE,
    SymbolArchiveError,
    family_of,
    load_splits,
    prepare,
    read_bhmsds,
    read_mdas,
    save_splits,
    split_by_family,
)
from redes.aircalc.symbols import CLASS_INDEX, TOKENS
from redes.errors import RedesError
from redes.mnist.data import MnistSplits
from tests.helpers.synthetic import digit_images, write_bhmsds_tar, write_mdas_zip

MIRROR = os.environ.get("REDES_DATA_MIRROR")


def _mnist(seed: int = 0) -> MnistSplits:
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, count in (("train", 50), ("val", 20), ("test", 20)):
        labels = np.arange(count, dtype=np.uint8) % 10
        arrays[f"x_{split}"] = (digit_images(labels, rng) / np.float32(255.0))[..., np.newaxis]
        arrays[f"y_{split}"] = labels
    return MnistSplits(**arrays)


@pytest.fixture
def symbols_dir(tmp_path: Path) -> Path:
    write_bhmsds_tar(tmp_path / BHMSDS_FILE)
    write_mdas_zip(tmp_path / MDAS_FILE)
    return tmp_path


def test_a_family_is_an_image_with_its_mirrors_and_rotations() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, size=(28, 28), dtype=np.uint8)
    variants = [pixels, pixels[::-1], pixels[:, ::-1], pixels.T, np.rot90(pixels), np.rot90(pixels, 3)]
    assert len({family_of(variant) for variant in variants}) == 1
    other = pixels.copy()
    other[0, 0] ^= 1
    assert family_of(other) != family_of(pixels)


def test_the_archives_give_ink_of_each_form_and_skip_the_dots(symbols_dir: Path) -> None:
    bhmsds = list(read_bhmsds(symbols_dir / BHMSDS_FILE))
    mdas = list(read_mdas(symbols_dir / MDAS_FILE))
    assert sorted({s.form for s in bhmsds}) == ["minus", "plus", "slash"]
    assert sorted({s.form for s in mdas}) == ["cross", "minus", "obelus", "plus", "slash"]
    assert len(bhmsds) == 3 * 20 and len(mdas) == 5 * 10 * 3
    # Both sets become ink on a dark background whatever their published polarity: the border is empty.
    for symbol in (*bhmsds, *mdas):
        assert symbol.ink.dtype == np.float32 and symbol.ink.max() == 1.0
        assert symbol.ink[0].max() == 0.0 and symbol.ink[:, 0].max() == 0.0


def test_no_writing_is_split_across_train_validation_and_test(symbols_dir: Path) -> None:
    symbols = [*read_bhmsds(symbols_dir / BHMSDS_FILE), *read_mdas(symbols_dir / MDAS_FILE)]
    splits = split_by_family(symbols, validation_fraction=0.2, test_fraction=0.2, seed=7)
    families = {split: {s.family for s in members} for split, members in splits.items()}
    assert not families["train"] & families["test"]
    assert not families["train"] & families["validation"]
    assert not families["validation"] & families["test"]
    assert sum(len(members) for members in splits.values()) == len(symbols)
    # Every form is in every split, in the asked proportions (MDAS: 10 writings per form, 3 images each).
    for split in ("validation", "test"):
        assert {s.form for s in splits[split]} == {"plus", "minus", "cross", "obelus", "slash"}
        assert sum(s.form == "cross" for s in splits[split]) == 2 * 3
    # Seeded: the same seed gives the same split, another seed another.
    again = split_by_family(symbols, validation_fraction=0.2, test_fraction=0.2, seed=7)
    other = split_by_family(symbols, validation_fraction=0.2, test_fraction=0.2, seed=8)
    assert [s.family for s in again["test"]] == [s.family for s in splits["test"]]
    assert [s.family for s in other["test"]] != [s.family for s in splits["test"]]


def test_prepared_splits_hold_all_fourteen_classes_normalised(symbols_dir: Path, tmp_path: Path) -> None:
    mnist = _mnist()
    splits = prepare(mnist, symbols_dir, validation_fraction=0.2, test_fraction=0.2, seed=0)
    for x, y, form in (
        (splits.x_train, splits.y_train, splits.form_train),
        (splits.x_val, splits.y_val, splits.form_val),
        (splits.x_test, splits.y_test, splits.form_test),
    ):
        assert x.shape[1:] == (28, 28, 1) and x.dtype == np.float32 and len(x) == len(y) == len(form)
        assert set(np.unique(y)) == set(range(len(TOKENS)))
        # Normalised as MNIST was: the ink inside the frame, its box at most 20 px on its longer side.
        for image in x[..., 0]:
            rows, columns = np.nonzero(image > 0.05)
            assert max(np.ptp(rows), np.ptp(columns)) <= 20
        assert np.all(y[form == "obelus"] == CLASS_INDEX["÷"]) and np.all(y[form == "slash"] == CLASS_INDEX["÷"])
        assert np.all(y[form == "cross"] == CLASS_INDEX["×"])
    assert np.array_equal(splits.y_test[: len(mnist.y_test)], mnist.y_test)
    assert splits.card()["test"]["cross"] == 6
    save_splits(splits, tmp_path / "prepared" / "aircalc.npz")
    loaded = load_splits(tmp_path / "prepared" / "aircalc.npz")
    assert np.array_equal(loaded.x_test, splits.x_test) and np.array_equal(loaded.form_val, splits.form_val)


def test_an_unexpected_member_names_the_archive_and_the_member(tmp_path: Path) -> None:
    path = write_mdas_zip(tmp_path / MDAS_FILE)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("symbols_partitioned/train/equals/000.png", b"")
    with pytest.raises(SymbolArchiveError, match=r"mdas_symbols_v1\.zip: unexpected member .*equals/000\.png"):
        list(read_mdas(path))


def test_a_damaged_archive_names_the_file(tmp_path: Path) -> None:
    path = write_bhmsds_tar(tmp_path / BHMSDS_FILE)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SymbolArchiveError, match=r"bhmsds_operators\.tar\.gz: not a readable \.tar\.gz"):
        list(read_bhmsds(path))
    bad_png = tmp_path / "other" / BHMSDS_FILE
    bad_png.parent.mkdir()
    with tarfile.open(bad_png, "w:gz") as archive:
        archive.addfile(tarfile.TarInfo("bhmsds/symbols/plus-0000.png"))
    with pytest.raises(SymbolArchiveError, match=r"plus-0000\.png: not a readable PNG"):
        list(read_bhmsds(bad_png))


def test_a_corrupt_prepared_file_says_which_stage_makes_it(tmp_path: Path) -> None:
    path = tmp_path / "aircalc.npz"
    path.write_bytes(b"not numpy")
    with pytest.raises(RedesError, match=r"aircalc\.npz: not a prepared AircalcSplits file.*dvc repro aircalc_prepare"):
        load_splits(path)


@pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no mirror of the published operator sets")
def test_the_published_operator_sets_split_by_writing() -> None:
    folder = Path(MIRROR) / "math_symbols"
    bhmsds = list(read_bhmsds(folder / BHMSDS_FILE))
    mdas = list(read_mdas(folder / MDAS_FILE))
    forms = ("plus", "minus", "slash")
    assert {form: sum(s.form == form for s in bhmsds) for form in forms} == dict.fromkeys(forms, 1500)
    counts = {form: sum(s.form == form for s in mdas) for form in ("plus", "minus", "cross", "obelus", "slash")}
    assert counts == {"plus": 1002, "minus": 1000, "cross": 1002, "obelus": 1000, "slash": 1000}
    # MDAS's mirror augmentation: about four images per writing.
    assert len({s.family for s in mdas}) < len(mdas) / 3
    splits = split_by_family([*bhmsds, *mdas], validation_fraction=0.1, test_fraction=0.1, seed=42)
    pixels = {
        split: {hashlib.sha256(np.round(s.ink * 255).astype(np.uint8).tobytes()).hexdigest() for s in members}
        for split, members in splits.items()
    }
    assert not pixels["train"] & pixels["test"] and not pixels["validation"] & pixels["test"]
    assert not pixels["train"] & pixels["validation"]
