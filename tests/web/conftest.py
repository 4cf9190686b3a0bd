"""The recogniser saved as the pipeline saves it, and the real server run from the `redes` command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from redes.aircalc.recognize import Recognizer
from tests.helpers.aging import save_tiny_ager
from tests.helpers.aircalc import recognizer
from tests.helpers.browser import chromium

__all__ = ["ager_folder", "browser", "model_file", "recognizer", "server"]

# The console script `redes` of this environment, as a user runs it.
REDES = Path(sys.executable).with_name("redes")
SERVER_START_SECONDS = 120  # TensorFlow's import and the model's load, on a busy machine
_MIRROR = os.environ.get("REDES_DATA_MIRROR")
# MediaPipe's hand model from the data mirror, for the camera mode; the tests that need it skip without it.
HAND_MODEL = Path(_MIRROR) / "mediapipe" / "hand_landmarker.task" if _MIRROR else None
HAND_MODEL = HAND_MODEL if HAND_MODEL is not None and HAND_MODEL.is_file() else None


@pytest.fixture(scope="session")
def model_file(recognizer: Recognizer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.keras"
    recognizer.model.save(path)
    return path


@pytest.fixture(scope="session")
def ager_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_ager(tmp_path_factory.mktemp("models") / "caae")


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def server(model_file: Path, ager_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`redes aircalc serve` on a free port of 127.0.0.1, stopped by its PID afterwards."""
    folder = tmp_path_factory.mktemp("server")
    log = folder / "server.log"
    port = _free_port()
    command = [str(REDES), "aircalc", "serve", "--model", str(model_file), "--ager-model", str(ager_folder)]
    command += ["--port", str(port)]
    if HAND_MODEL is not None:
        command += ["--hand-model", str(HAND_MODEL)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=folder, stdout=output, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(url, process, log)
        yield Server(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"the server did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    yield from chromium()
