"""What the tests share: the repository root, the real params shrunk to seconds, synthetic data, repository copies."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.aging import tiny_params as aging
from tests.aircalc import tiny_params as aircalc
from tests.foundations import tiny_params as foundations
from tests.har import tiny_params as har
from tests.mnist import tiny_params as mnist
from tests.pinn import tiny_params as pinn

REPO_ROOT = Path(__file__).resolve().parents[2]

# Each project's folder says how its section shrinks.
_SHRINK = {
    "foundations": foundations.shrink,
    "mnist": mnist.shrink,
    "har": har.shrink,
    "pinn": pinn.shrink,
    "aircalc": aircalc.shrink,
    "aging": aging.shrink,
}


def tiny_params_dict() -> dict:
    """The real params.yaml shrunk to seconds of training."""
    tiny = copy.deepcopy(yaml.safe_load((REPO_ROOT / "params.yaml").read_text()))
    for project, shrink in _SHRINK.items():
        shrink(tiny[project])
    return tiny
