"""Tiny synthetic datasets in the real raw formats, so tests run without the mirror."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from redes.fetch import sha256_of
from redes.mnist.data import FILES
from redes.mnist.idx import write_idx


def digit_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """28x28 uint8 images a small net can tell apart, even through the CNN's random shifts and zooms.

    Digit k is a stroke through the middle at an angle of 18k degrees, on noise: the
    class is in the stroke's direction, which translation and zoom leave alone.
    """
    rows, columns = np.mgrid[0:28, 0:28] - 13.5
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels, strict=True):
        angle = np.deg2rad(18.0 * label)
        along = columns * np.cos(angle) + rows * np.sin(angle)
        across = -columns * np.sin(angle) + rows * np.cos(angle)
        image[(np.abs(across) < 1.5) & (np.abs(along) < 11)] = 255
    return images


def write_mnist(raw_dir: Path, n_train: int = 600, n_test: int = 200, seed: int = 0) -> dict[str, dict]:
    """The four MNIST IDX files (gzip) in `raw_dir`; returns a catalog override for them."""
    rng = np.random.default_rng(seed)
    raw_dir.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", n_train), ("test", n_test)):
        labels = np.arange(count, dtype=np.uint8) % 10
        rng.shuffle(labels)
        write_idx(raw_dir / FILES[f"{split}_images"], digit_images(labels, rng))
        write_idx(raw_dir / FILES[f"{split}_labels"], labels)
    return {
        "mnist": {
            name: {"sha256": sha256_of(raw_dir / name), "size": (raw_dir / name).stat().st_size}
            for name in FILES.values()
        }
    }


def write_mirror(mirror: Path) -> Path:
    """A mirror folder laid out as <dataset>/<file> and a catalog override file for it; returns the catalog path."""
    catalog = write_mnist(mirror / "mnist")
    catalog_path = mirror / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    return catalog_path
