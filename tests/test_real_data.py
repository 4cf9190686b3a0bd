"""The published MNIST files from the data mirror: verified by sha256 and parsed in full.

Runs when REDES_DATA_MIRROR names a mirror (CI points it at shared/data); skipped otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from redes.fetch import fetch_all
from redes.mnist.data import prepare
from redes.sources import dataset_sources

MIRROR = os.environ.get("REDES_DATA_MIRROR")

pytestmark = pytest.mark.skipif(
    not MIRROR, reason="REDES_DATA_MIRROR is not set: no mirror of the published data to check"
)


def test_mnist_files_verify_and_parse(tmp_path: Path) -> None:
    paths = fetch_all(dataset_sources("mnist"), tmp_path / "mnist", MIRROR)
    assert len(paths) == 4
    splits = prepare(tmp_path / "mnist", validation_size=6000, seed=0)
    assert len(splits.y_train) + len(splits.y_val) == 60_000
    assert splits.x_test.shape == (10_000, 28, 28, 1)
    assert np.bincount(splits.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
