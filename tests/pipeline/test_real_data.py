"""The published data files from the data mirror: verified by sha256 and parsed in full.

Runs when REDES_DATA_MIRROR names a mirror (CI points it at shared/data); skipped otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from redes.fetch import fetch_all
from redes.har.data import prepare as prepare_har
from redes.mnist.data import prepare
from redes.pinn.reference import load_published, problem_from_params, scoring_reference
from redes.sections import load_all_params
from redes.sources import dataset_sources
from tests.helpers import REPO_ROOT

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


def test_hapt_verifies_and_yields_the_uci_har_windows(tmp_path: Path) -> None:
    (path,) = fetch_all(dataset_sources("hapt"), tmp_path / "hapt", MIRROR)
    windows = prepare_har(path, load_all_params(REPO_ROOT / "params.yaml").har.data)
    card = windows.card()
    # UCI HAR cut 10,299 windows (7,352 train, 2,947 test) from the same recordings.
    assert sum(card[split]["windows"] for split in card) == 10_411
    assert card["test"]["windows"] == 2_996
    assert card["test"]["per_class"] == {
        "walking": 496,
        "walking upstairs": 471,
        "walking downstairs": 420,
        "sitting": 508,
        "standing": 556,
        "laying": 545,
    }
    assert windows.x["train"].shape[1:] == (128, 9)


def test_burgers_reference_verifies_and_cole_hopf_reproduces_it(tmp_path: Path) -> None:
    (path,) = fetch_all(dataset_sources("pinn"), tmp_path / "pinn", MIRROR)
    published = load_published(path)
    assert published.u.shape == (256, 100)
    params = load_all_params(REPO_ROOT / "params.yaml").pinn
    solution, card = scoring_reference(problem_from_params(params.equation), published, params.reference)
    # Two independent computations of the same exact solution: agreement to ~1e-10 (the shock is steep).
    assert card["cole_hopf_max_abs_diff"] < 1e-9
    assert card["scored_against"] == "burgers_shock.mat" and solution is published
