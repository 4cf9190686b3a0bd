"""`redes age` as a user runs it: the installed console script on a photo with a face, and on one without."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers.aging import SIZE, photo_of, save_tiny_ager, utkface_faces
from tests.web.conftest import REDES

MIRROR = os.environ.get("REDES_DATA_MIRROR")
pytestmark = pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no real photos to age")


def redes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(REDES), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def ager_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_ager(tmp_path_factory.mktemp("models") / "caae")


def test_a_photo_is_rendered_at_every_age_in_a_row(ager_folder: Path, tmp_path: Path) -> None:
    Image.fromarray(photo_of(utkface_faces(1), scale=1.6)).save(tmp_path / "me.jpg")
    run = redes("age", "me.jpg", "--all", "--gender", "female", "--model", str(ager_folder), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "left to right: the face as cropped, then 0-5, 6-10" in run.stdout and "wrote me_all_ages.png" in run.stdout
    row = np.asarray(Image.open(tmp_path / "me_all_ages.png"))
    assert row.shape == (SIZE * 4, 11 * SIZE * 4, 3)
    one = redes(
        "age", "me.jpg", "--to", "61-70", "--gender", "male", "--scale", "2", "--model", str(ager_folder),
        "--output", "old.png", cwd=tmp_path,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    assert np.asarray(Image.open(tmp_path / "old.png")).shape == (SIZE * 2, SIZE * 2, 3)


def test_a_photo_without_a_face_or_a_model_is_refused_saying_why(ager_folder: Path, tmp_path: Path) -> None:
    hand = Path(MIRROR) / "mediapipe" / "hand_test_image.jpg"
    run = redes("age", str(hand), "--to", "61-70", "--gender", "male", "--model", str(ager_folder), cwd=tmp_path)
    assert run.returncode == 1 and f"redes: no face found in {hand}" in run.stderr and "Traceback" not in run.stderr
    untrained = redes("age", str(hand), "--all", "--gender", "male", cwd=tmp_path)
    assert untrained.returncode == 1 and "dvc repro aging_train" in untrained.stderr
    wrong = redes("age", str(hand), "--to", "60-70", "--gender", "male", cwd=tmp_path)
    assert wrong.returncode == 2 and "invalid choice: '60-70'" in wrong.stderr
