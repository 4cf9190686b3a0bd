"""Tiny synthetic datasets in the real raw formats, so tests run without the mirror."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import scipy.io

from redes.fetch import sha256_of
from redes.mnist.data import FILES
from redes.mnist.idx import write_idx
from redes.pinn.reference import MAT_VISCOSITY, BurgersProblem, cole_hopf, evaluation_grid


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


# Experiment -> subject of the synthetic HAPT recordings: subjects 1, 3, 5 train, 7 validates and 2 tests
# under params.yaml's UCI HAR split.
HAPT_SUBJECTS = {1: 1, 2: 3, 3: 5, 4: 7, 5: 2, 6: 2}
HAPT_SAMPLES = 2000


def write_mirror(mirror: Path) -> Path:
    """A mirror folder laid out as <dataset>/<file> and a catalog override file for it; returns the catalog path."""
    catalog = write_mnist(mirror / "mnist")
    hapt = write_hapt_zip(mirror / "hapt" / "HAPT_Data_Set_RawData.zip", "HAPT Data Set/", HAPT_SUBJECTS, HAPT_SAMPLES)
    catalog["hapt"] = {hapt.name: {"sha256": sha256_of(hapt), "size": hapt.stat().st_size}}
    burgers = write_burgers_mat(mirror / "pinn" / "burgers_shock.mat", x_points=64, t_points=20)
    catalog["pinn"] = {burgers.name: {"sha256": sha256_of(burgers), "size": burgers.stat().st_size}}
    catalog_path = mirror / "catalog.json"
    catalog_path.write_text(json.dumps(catalog))
    return catalog_path


def write_hapt_zip(path: Path, folder: str, subjects: dict[int, int], samples: int, seed: int = 0) -> Path:
    """A HAPT raw-data zip: for each experiment -> subject, acc and gyro files and labelled segments.

    Each experiment holds the six basic activities one after another, separated by a short
    postural transition (activity 7), each activity a tone of its own frequency on gravity.
    `folder` is the prefix of RawData/ ('HAPT Data Set/' as the course mirror, '' as the UCI archive).
    """
    rng = np.random.default_rng(seed)
    segment = samples // 7
    label_lines, members = [], {}
    for experiment, subject in subjects.items():
        time = np.arange(samples) / 50.0
        acceleration = np.tile([0.0, 0.0, 1.0], (samples, 1)) + 0.01 * rng.normal(size=(samples, 3))
        angular_velocity = 0.01 * rng.normal(size=(samples, 3))
        for activity in range(1, 7):
            first, last = (activity - 1) * segment, activity * segment - 20
            tone = np.sin(2.0 * np.pi * activity * time[first : last + 1])[:, np.newaxis]
            acceleration[first : last + 1] += 0.2 * tone
            angular_velocity[first : last + 1] += 0.5 * tone
            label_lines.append(f"{experiment} {subject} {activity} {first + 1} {last + 1}")
            label_lines.append(f"{experiment} {subject} 7 {last + 2} {last + 19}")
        name = f"exp{experiment:02d}_user{subject:02d}.txt"
        members[f"acc_{name}"] = acceleration
        members[f"gyro_{name}"] = angular_velocity
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}README.txt", "synthetic HAPT raw data for tests\n")
        archive.writestr(f"{folder}RawData/labels.txt", "\n".join(label_lines) + "\n")
        for member, values in members.items():
            archive.writestr(
                f"{folder}RawData/{member}", "\n".join(" ".join(f"{v:.9f}" for v in row) for row in values)
            )
    return path


def write_burgers_mat(path: Path, x_points: int, t_points: int) -> Path:
    """A burgers_shock.mat of the published problem on a coarser grid (x, t, usol as MATLAB v5)."""
    problem = BurgersProblem(MAT_VISCOSITY, 1.0, 1, -1.0, 1.0, 0.0, 1.0)
    x, t = evaluation_grid(problem, x_points, t_points)
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"x": x[:, None], "t": t[:, None], "usol": cole_hopf(problem, x, t, 100).u})
    return path
