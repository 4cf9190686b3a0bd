"""Fixtures every folder uses: tiny params, synthetic MNIST, a seeded generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redes.config import Params
from redes.mnist.data import MnistSplits, prepare
from redes.sections import validate_all_params
from tests.helpers import tiny_params_dict
from tests.helpers.synthetic import write_mnist

PIPELINE_SMOKE = Path(__file__).parent / "pipeline" / "test_pipeline.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The pipeline smoke tests first, every other test in its order.

    Under `make test` (two workers, one file each at a time, in this order) the smoke test's
    `dvc repro`, the longest thing the tests do, then starts at once in one worker while the
    other runs the rest, instead of starting when the run is half over.
    """
    items.sort(key=lambda item: item.path != PIPELINE_SMOKE)


@pytest.fixture
def tiny_params() -> Params:
    return validate_all_params(tiny_params_dict())


@pytest.fixture(scope="session")
def synthetic_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw_dir = tmp_path_factory.mktemp("raw") / "mnist"
    write_mnist(raw_dir)
    return raw_dir


@pytest.fixture(scope="session")
def synthetic_splits(synthetic_raw: Path) -> MnistSplits:
    return prepare(synthetic_raw, validation_size=100, seed=0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
