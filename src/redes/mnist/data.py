"""MNIST from the published IDX files to scaled arrays with a seeded validation split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from redes.config import ParamsError
from redes.files import load_arrays, save_arrays
from redes.mnist.idx import IdxFormatError, read_idx

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
IMAGE_SHAPE = (28, 28, 1)
CLASSES = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class MnistSplits:
    """Pixels in [0, 1] as float32 (N, 28, 28, 1); labels as uint8 digits."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "validation": len(self.y_val), "test": len(self.y_test)}

    def card(self) -> dict[str, dict[str, int]]:
        """Images per digit in each split, for the report's data card."""
        return {
            split: {
                digit: int(count)
                for digit, count in zip(CLASSES, np.bincount(labels, minlength=len(CLASSES)), strict=True)
            }
            for split, labels in (("train", self.y_train), ("validation", self.y_val), ("test", self.y_test))
        }


def _read_pair(raw_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    images_path, labels_path = raw_dir / FILES[f"{split}_images"], raw_dir / FILES[f"{split}_labels"]
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if images.shape[1:] != IMAGE_SHAPE[:2]:
        raise IdxFormatError(f"{images_path}: images of {images.shape[1:]}, expected {IMAGE_SHAPE[:2]}")
    if len(images) != len(labels):
        raise IdxFormatError(f"{images_path} has {len(images)} images but {labels_path} has {len(labels)} labels")
    if labels.max(initial=0) > 9:
        raise IdxFormatError(f"{labels_path}: label {labels.max()} is not a digit")
    return images, labels


def prepare(raw_dir: Path, validation_size: int, seed: int) -> MnistSplits:
    """Parse the four IDX files, scale pixels to [0, 1] and hold out a seeded validation split."""
    train_images, train_labels = _read_pair(raw_dir, "train")
    test_images, test_labels = _read_pair(raw_dir, "test")
    if not 0 < validation_size < len(train_labels):
        raise ParamsError(
            f"mnist.data.validation_size={validation_size} must be between 1 and {len(train_labels) - 1} "
            f"(there are {len(train_labels)} training images)"
        )
    order = np.random.default_rng(seed).permutation(len(train_labels))
    validation, train = order[:validation_size], order[validation_size:]

    def scale(images: np.ndarray) -> np.ndarray:
        return (images.astype(np.float32) / 255.0).reshape(-1, *IMAGE_SHAPE)

    return MnistSplits(
        x_train=scale(train_images[train]),
        y_train=train_labels[train],
        x_val=scale(train_images[validation]),
        y_val=train_labels[validation],
        x_test=scale(test_images),
        y_test=test_labels,
    )


def save_splits(splits: MnistSplits, path: Path) -> None:
    save_arrays(splits, path)


def load_splits(path: Path) -> MnistSplits:
    return load_arrays(MnistSplits, path, "run `dvc repro mnist_prepare`")
