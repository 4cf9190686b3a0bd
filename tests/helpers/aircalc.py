"""AirCalc's real recogniser for tests: the tiny CNN trained for seconds on synthetic symbols.

`recognizer` is a session fixture; a folder's conftest imports it to use it (tests/aircalc for
the reading, tests/web for the page, its API and the command line).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

from redes.aircalc.data import FORMS
from redes.aircalc.models import build_recognizer
from redes.aircalc.normalize import normalize_symbol
from redes.aircalc.recognize import Recognizer
from redes.aircalc.symbols import CLASS_INDEX, DIGITS
from redes.classifier import fit_classifier
from redes.seeding import seed_everything
from tests.helpers.synthetic import font_digit, operator_image

# The synthetic slash is a digit-like stroke; the obelus is the ÷ these tests write.
SYNTHETIC_FORMS = ("plus", "minus", "cross", "obelus")


def synthetic_pools(per_token: int, seed: int) -> dict[str, list[np.ndarray]]:
    """token -> normalised 28x28 synthetic images of it (digits in a font, operators drawn)."""
    rng = np.random.default_rng(seed)
    pools: dict[str, list[np.ndarray]] = {}
    for digit in DIGITS:
        pools[digit] = [normalize_symbol(font_digit(int(digit), rng) / np.float32(255.0)) for _ in range(per_token)]
    for form in SYNTHETIC_FORMS:
        pools[FORMS[form]] = [normalize_symbol(operator_image(form, rng) / np.float32(255.0)) for _ in range(per_token)]
    return pools


def _arrays(pools: Mapping[str, list[np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([image for images in pools.values() for image in images])[..., np.newaxis]
    y = np.array([CLASS_INDEX[token] for token, images in pools.items() for _ in images], dtype=np.uint8)
    return x, y


@pytest.fixture(scope="session")
def recognizer(tmp_path_factory: pytest.TempPathFactory) -> Recognizer:
    from redes.sections import validate_all_params
    from tests.helpers import tiny_params_dict

    cnn = validate_all_params(tiny_params_dict()).mnist.cnn.model_copy(update={"epochs": 6})
    seed_everything(0, True)
    model, _ = fit_classifier(
        lambda: build_recognizer(cnn),
        cnn,
        _arrays(synthetic_pools(300, seed=1)),
        _arrays(synthetic_pools(20, seed=2)),
        seed=0,
        backup_dir=Path(tmp_path_factory.mktemp("backup")),
        verbose=0,
    )
    return Recognizer(model)


def write_expression(path: Path, tokens: list[str], *, pools_seed: int, seed: int) -> Path:
    """A PNG of `tokens` written by `compose` from synthetic symbols, dark ink on white as a scan is."""
    from PIL import Image

    from redes.aircalc.compose import compose

    written = compose(tokens, synthetic_pools(1, seed=pools_seed), np.random.default_rng(seed))
    Image.fromarray(np.round((1.0 - written.image) * 255).astype(np.uint8)).save(path)  # uint8 grey: mode L
    return path


def distance_to_path(points: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment of a polyline: how far a tracked stroke strays from its path."""
    starts, ends = path[:-1], path[1:]
    direction = ends - starts
    t = np.clip(np.einsum("psk,sk->ps", points[:, None] - starts, direction) / (direction**2).sum(axis=1), 0, 1)
    return np.linalg.norm(points[:, None] - (starts + t[..., None] * direction), axis=2).min(axis=1)
