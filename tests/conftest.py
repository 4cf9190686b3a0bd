"""Shared fixtures: the repository root, tiny params, synthetic MNIST."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # tests/synthetic.py

from redes.config import Params, validate_params
from redes.mnist.data import MnistSplits, prepare
from synthetic import write_mnist

REPO_ROOT = Path(__file__).resolve().parents[1]


def tiny_params_dict() -> dict:
    """The real params.yaml shrunk to seconds of training."""
    raw = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    tiny = copy.deepcopy(raw)
    tiny["mnist"]["data"]["validation_size"] = 100
    tiny["mnist"]["mlp"].update(hidden_units=[32], epochs=3, batch_size=32, checkpoint_every_batches=5)
    tiny["mnist"]["cnn"].update(
        filters=[8, 16], dense_units=32, batch_norm=False, epochs=4, batch_size=32, checkpoint_every_batches=5
    )
    tiny["har"]["seeds"] = 1  # several seeds per stage: test_killed_har_training_skips_finished_seeds
    tiny["har"]["baseline"]["spectrum_bins"] = 4
    for name in ("simple_rnn", "lstm", "gru", "conv_lstm"):
        tiny["har"][name].update(units=[8], epochs=2, batch_size=16, checkpoint_every_batches=2)
    tiny["har"]["conv_lstm"]["conv_filters"] = [8]
    # The linear-regression stage keeps its real size: SGD needs its passes to reach the 1e-4 check.
    tiny["foundations"]["autodiff"]["expressions"] = 10
    tiny["foundations"]["gan"].update(
        generator_steps=1000, batch_size=128, learning_rate=0.001, max_wasserstein_ratio=0.5
    )
    tiny["pinn"]["reference"].update(x_points=64, t_points=20)  # the synthetic burgers_shock.mat's grid
    tiny["pinn"]["forward"].update(initial_boundary_points=20, collocation_points=200)
    tiny["pinn"]["inverse"]["data_points"] = 200
    for case in ("forward", "inverse"):
        tiny["pinn"][case]["network"].update(layers=3, width=8)
        tiny["pinn"][case]["optimization"].update(
            adam_steps=20, quasi_newton_steps=20, record_every=5, checkpoint_every=5, jit_compile=False
        )
    return tiny


@pytest.fixture
def tiny_params() -> Params:
    return validate_params(tiny_params_dict())


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
