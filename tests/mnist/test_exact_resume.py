"""A training killed anywhere (SIGKILL, twice) and run again ends bit-identical to one never killed.

The recipe is the real CNN's, with augmentation, dropout and batch norm, on real MNIST
(tests/mnist/short_real_cnn.py), each run its own process as a stage would be.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import REPO_ROOT

MIRROR = os.environ.get("REDES_DATA_MIRROR")
pytestmark = pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: this test trains on the real MNIST")


def _start(out: Path) -> subprocess.Popen:
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tests.mnist.short_real_cnn", str(out), str(MIRROR)]
    return subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]


def _epochs_backed_up(backup: Path) -> int:
    if not backup.exists():
        return 0
    with np.load(backup) as file:
        return json.loads(str(file["metadata"]))["epochs_done"]


def _kill_during_epoch_after(process: subprocess.Popen, backup: Path, epochs: int, delay: float) -> None:
    """SIGKILL `process` `delay` seconds after its backup holds `epochs` epochs: somewhere in a later epoch."""
    deadline = time.monotonic() + 240
    while _epochs_backed_up(backup) < epochs:
        assert process.poll() is None, "training ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(delay)
    assert process.poll() is None, "training ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_a_training_killed_anywhere_resumes_to_the_same_bits(tmp_path: Path) -> None:
    _finish(_start(tmp_path / "uninterrupted"))
    killed = tmp_path / "killed"
    backup = killed / "backup" / "backup.npz"
    delays = np.random.default_rng(13).uniform(0.0, 1.0, size=2)  # fractions of a second into the next epoch
    _kill_during_epoch_after(_start(killed), backup, 1, delays[0])
    _kill_during_epoch_after(_start(killed), backup, 3, delays[1])
    _finish(_start(killed))
    with np.load(tmp_path / "uninterrupted/result.npz") as expected, np.load(killed / "result.npz") as resumed:
        assert expected.files == resumed.files
        for name in expected.files:
            np.testing.assert_array_equal(resumed[name], expected[name], err_msg=name)
