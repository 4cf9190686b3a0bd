"""The `redes` command as a user runs it: the installed console script, in a folder of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from redes.aircalc.airwriting import HandTracker
from redes.aircalc.handvideo import SEVEN_MINUS_ONE, hand_in_frame, save_video, writing_frames
from redes.aircalc.recognize import Recognizer
from tests.helpers.aircalc import write_expression
from tests.web.conftest import REDES, Server


def redes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(REDES), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_image_prints_the_expression_each_symbol_and_the_exact_value(
    recognizer: Recognizer, model_file: Path, tmp_path: Path
) -> None:
    png = write_expression(tmp_path / "sum.png", ["1", "2", "÷", "8"], pools_seed=5, seed=6)
    expected = recognizer.read_image(np.asarray(Image.open(png))).to_dict()
    assert expected["expression"] == "12÷8" and expected["value"] is not None
    run = redes("aircalc", "image", "sum.png", "--model", str(model_file), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "expression: 12÷8"
    for number, symbol in enumerate(expected["symbols"], start=1):
        assert f"{number:>2}. {symbol['token']}  {symbol['confidence']:6.1%}" in lines[number]
    assert lines[-3:] == ["integer:  (not a whole number)", "fraction: 3/2", "decimal:  1.5"]


def test_json_gives_the_whole_reading_and_exit_2_when_it_cannot_be_computed(
    recognizer: Recognizer, model_file: Path, tmp_path: Path
) -> None:
    png = write_expression(tmp_path / "zero.png", ["7", "÷", "0"], pools_seed=7, seed=8)
    expected = recognizer.read_image(np.asarray(Image.open(png))).to_dict()
    run = redes("aircalc", "image", str(png), "--model", str(model_file), "--ink", "dark", "--json", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    reading = json.loads(run.stdout)
    assert reading["expression"] == expected["expression"] == "7÷0"
    assert reading["error"] == expected["error"] and reading["error"]["kind"] == "division_by_zero"
    assert [s["box"] for s in reading["symbols"]] == [s["box"] for s in expected["symbols"]]
    # The last line: TensorFlow's C++ start-up notes (oneDNN) may come before it.
    assert run.stderr.splitlines()[-1] == f"redes: {expected['error']['message']}"
    assert "Traceback" not in run.stderr


def test_a_missing_model_says_how_to_train_it_without_a_traceback(tmp_path: Path) -> None:
    write_expression(tmp_path / "sum.png", ["4", "+", "2"], pools_seed=1, seed=2)
    run = redes("aircalc", "image", "sum.png", cwd=tmp_path)  # the default model, missing in this folder
    assert run.returncode == 1
    assert "models/aircalc/recognizer/model.keras is missing" in run.stderr
    assert "dvc repro aircalc_train" in run.stderr and "Traceback" not in run.stderr


def test_a_missing_or_unreadable_photo_is_named(model_file: Path, tmp_path: Path) -> None:
    missing = redes("aircalc", "image", "nowhere.jpg", "--model", str(model_file), cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (1, "redes: nowhere.jpg: no such file\n")
    (tmp_path / "notes.txt").write_text("7 + 1")
    text = redes("aircalc", "image", "notes.txt", "--model", str(model_file), cwd=tmp_path)
    assert text.returncode == 1 and text.stderr.startswith("redes: notes.txt is not an image")


def test_help_answers_without_loading_tensorflow(tmp_path: Path) -> None:
    help_text = redes("aircalc", "--help", cwd=tmp_path)
    assert help_text.returncode == 0 and "image" in help_text.stdout and "serve" in help_text.stdout
    probe = "import sys; from redes.cli import build_parser; build_parser(); print('tensorflow' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "False"


def test_serve_answers_on_localhost_with_the_page_and_the_api(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(server.url) as page:  # noqa: S310 (our own local server)
        assert 'id="pad"' in page.read().decode()
    request = urllib.request.Request(  # noqa: S310
        f"{server.url}/api/aircalc/strokes",
        data=json.dumps({"strokes": [[[20, 20], [20, 90]]]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        assert len(json.loads(answer.read())["symbols"]) == 1
    assert f"AirCalc: open {server.url}/" in server.log.read_text()


def _hand_files() -> Path | None:
    mirror = os.environ.get("REDES_DATA_MIRROR")
    hands = Path(mirror) / "mediapipe" if mirror else None
    return hands if hands is not None and (hands / "hand_landmarker.task").is_file() else None


@pytest.mark.skipif(_hand_files() is None, reason="REDES_DATA_MIRROR has no MediaPipe hand model to track with")
def test_video_reads_the_expression_a_fingertip_writes_headless(
    recognizer: Recognizer, model_file: Path, tmp_path: Path
) -> None:
    hands = _hand_files()
    assert hands is not None
    with HandTracker(hands / "hand_landmarker.task") as tracker:
        photo, fingertip = hand_in_frame(np.asarray(Image.open(hands / "hand_thumb_up.jpg")), tracker)
    save_video(list(writing_frames(photo, fingertip, SEVEN_MINUS_ONE)), tmp_path / "air.avi")
    expected = recognizer.read_strokes(SEVEN_MINUS_ONE.fingertip()).to_dict()
    run = redes(
        "aircalc", "video", "air.avi", "--model", str(model_file), "--hand-model", str(hands / "hand_landmarker.task"),
        "--json", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode in (0, 2), run.stderr
    reading = json.loads(run.stdout)
    assert reading["expression"] == expected["expression"] and len(reading["symbols"]) == 3
    assert "72 frames" in run.stderr and "a hand in 48, 3 strokes" in run.stderr
    assert "Traceback" not in run.stderr


def test_video_names_a_missing_file_before_loading_anything(tmp_path: Path) -> None:
    run = redes("aircalc", "video", "nothing.mp4", cwd=tmp_path)
    assert run.returncode == 1 and "nothing.mp4: no such video file" in run.stderr
    run = redes("aircalc", "video", cwd=tmp_path)
    assert run.returncode == 2 and "one of the arguments file --camera is required" in run.stderr
