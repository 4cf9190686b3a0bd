"""Every section of params.yaml by name: the schema of the whole file, for the report and the tests.

The stages of the projects do not import this: each validates only `base` and its own
project's section (`redes.config`), so that a project's schema is a dependency of its own
stages alone. The report's stage, which shows every section, does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from redes.aging.params import AgingParams
from redes.aircalc.params import AircalcParams
from redes.config import Params, load_params, validate_params
from redes.foundations.params import FoundationsParams
from redes.har.params import HarParams
from redes.mnist.params import MnistParams
from redes.pinn.params import PinnParams
from redes.schema import Section

# In course order, as the report shows them.
SECTIONS: dict[str, type[Section]] = {
    "foundations": FoundationsParams,
    "mnist": MnistParams,
    "aircalc": AircalcParams,
    "har": HarParams,
    "aging": AgingParams,
    "pinn": PinnParams,
}


def load_all_params(path: Path) -> Params:
    """The whole params.yaml, every section checked and no unknown one allowed."""
    return load_params(path, SECTIONS, whole=True)


def validate_all_params(raw: Any, source: str = "params") -> Params:
    """`load_all_params` of params already read: a mapping of sections."""
    return validate_params(raw, SECTIONS, whole=True, source=source)
