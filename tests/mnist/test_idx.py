"""The IDX parser on good, truncated and foreign files, and the MNIST prepare step on synthetic IDX."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from redes.config import ParamsError
from redes.mnist.data import FILES, load_splits, prepare, save_splits
from redes.mnist.idx import IdxFormatError, read_idx, write_idx


def test_round_trip_gzip_and_plain(tmp_path: Path, rng: np.random.Generator) -> None:
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    for name in ("images.idx", "images.idx.gz"):
        write_idx(tmp_path / name, images)
        np.testing.assert_array_equal(read_idx(tmp_path / name, expected_ndim=3), images)


def test_header_is_the_published_layout(tmp_path: Path) -> None:
    write_idx(tmp_path / "labels.idx", np.array([7, 2, 1], dtype=np.uint8))
    assert (tmp_path / "labels.idx").read_bytes() == bytes.fromhex("00000801 00000003 070201")


def test_truncated_file_names_the_file(tmp_path: Path, rng: np.random.Generator) -> None:
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IdxFormatError, match=r"train-images-idx3-ubyte.*truncated"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path: Path, rng: np.random.Generator) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    write_idx(path, rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(IdxFormatError, match=r"t10k-images-idx3-ubyte.gz.*corrupt or truncated"):
        read_idx(path)


def test_wrong_magic_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "not-idx.gz"
    path.write_bytes(gzip.compress(b"\x1f\x8b\x08\x00" + b"\x00" * 100))
    with pytest.raises(IdxFormatError, match=r"magic number 0x1f8b0800"):
        read_idx(path)


def test_wrong_number_of_dimensions(tmp_path: Path) -> None:
    write_idx(tmp_path / "labels.idx", np.zeros(3, dtype=np.uint8))
    with pytest.raises(IdxFormatError, match="1 dimensions, expected 3"):
        read_idx(tmp_path / "labels.idx", expected_ndim=3)


def test_prepare_scales_and_splits(synthetic_raw: Path) -> None:
    splits = prepare(synthetic_raw, validation_size=100, seed=0)
    assert splits.sizes() == {"train": 500, "validation": 100, "test": 200}
    assert splits.x_train.shape == (500, 28, 28, 1) and splits.x_train.dtype == np.float32
    assert 0.0 <= splits.x_train.min() and splits.x_train.max() == 1.0
    raw_train = read_idx(synthetic_raw / FILES["train_images"])
    # Train and validation together are the training set, each image once.
    together = np.concatenate([splits.x_train, splits.x_val]).reshape(600, -1)
    assert sorted(map(bytes, (together * 255).round().astype(np.uint8))) == sorted(
        map(bytes, raw_train.reshape(600, -1))
    )
    assert sum(splits.card()["validation"].values()) == 100


def test_prepare_split_is_seeded(synthetic_raw: Path) -> None:
    first, again, other = (prepare(synthetic_raw, 100, seed) for seed in (0, 0, 1))
    np.testing.assert_array_equal(first.y_val, again.y_val)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    assert not np.array_equal(first.x_val, other.x_val)


def test_prepare_rejects_a_validation_split_larger_than_train(synthetic_raw: Path) -> None:
    with pytest.raises(ParamsError, match=r"mnist\.data\.validation_size=600"):
        prepare(synthetic_raw, validation_size=600, seed=0)


def test_prepare_reports_mismatched_counts(tmp_path: Path, synthetic_raw: Path) -> None:
    for name in FILES.values():
        (tmp_path / name).write_bytes((synthetic_raw / name).read_bytes())
    write_idx(tmp_path / FILES["train_labels"], np.zeros(7, dtype=np.uint8))
    with pytest.raises(IdxFormatError, match=r"600 images but .*train-labels-idx1-ubyte\.gz has 7 labels"):
        prepare(tmp_path, validation_size=10, seed=0)


def test_saved_splits_load_back(tmp_path: Path, synthetic_splits) -> None:
    save_splits(synthetic_splits, tmp_path / "mnist.npz")
    loaded = load_splits(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(loaded.x_test, synthetic_splits.x_test)
    np.testing.assert_array_equal(loaded.y_train, synthetic_splits.y_train)
