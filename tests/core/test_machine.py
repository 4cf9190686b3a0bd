"""`redes doctor`, and the machine tags MLflow puts on every run through redes' run context provider."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import tensorflow as tf
from mlflow.tracking import MlflowClient

from redes.tracking import start_run
from tests.helpers import REPO_ROOT

# A run opened the way every stage opens one (redes.tracking), in a fresh process that never imports TensorFlow.
_OPEN_RUN = """
import sys
from pathlib import Path
from redes.tracking import start_run
with start_run(Path(sys.argv[1]), "machine", "a run", {}) as run:
    print("tensorflow" in sys.modules, run.run_id)
"""


def _tags(store: Path, run_id: str) -> dict[str, str]:
    return MlflowClient(f"sqlite:///{store / 'mlflow.db'}").get_run(run_id).data.tags


def test_every_run_records_the_device_and_tensorflow_build(tmp_path: Path) -> None:
    with start_run(tmp_path, "machine", "a run", {}) as run:  # in this process, where TensorFlow is imported
        tags = _tags(tmp_path, run.run_id)
    gpus = tf.config.list_physical_devices("GPU")
    assert tags["machine.device"] == ("GPU:0" if gpus else "CPU")
    assert tags["machine.tensorflow"] == tf.__version__
    build = tags["machine.tensorflow_build"]
    assert build.startswith("CUDA ") if tf.test.is_built_with_cuda() else build == "CPU only"
    assert tags["machine.cpu"].endswith(" cores)")
    assert ("machine.gpus" in tags) == bool(gpus)


def test_a_run_without_tensorflow_ran_on_the_cpu_and_does_not_import_it(tmp_path: Path) -> None:
    command = [sys.executable, "-c", textwrap.dedent(_OPEN_RUN), str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    imported, run_id = result.stdout.split()[-2:]
    tags = _tags(tmp_path, run_id)
    assert tags["machine.device"] == "CPU"
    assert not any(name.startswith("machine.tensorflow") for name in tags)
    assert imported == "False"


def test_doctor_reports_the_backend_build_gpus_and_determinism_and_stops_a_gpu_run_without_a_gpu() -> None:
    """`redes doctor --require-gpu`, as the cloud job runs it: everything is reported, and no GPU is a problem."""
    result = subprocess.run(
        [Path(sys.executable).parent / "redes", "doctor", "--require-gpu"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].endswith("backend tensorflow")
    assert lines[1].startswith(f"TensorFlow {tf.__version__}, build: ")
    assert any(line.startswith("GPUs: ") for line in lines)
    assert "determinism: base.seed 42, base.deterministic true, op determinism on" in lines
    assert lines[-1].endswith(": identical")
    if tf.config.list_physical_devices("GPU"):
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert "problem: no GPU is visible to TensorFlow" in result.stderr
