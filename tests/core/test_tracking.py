"""Tracking against a real MLflow sqlite store in a temporary folder."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from redes import tracking
from redes.config import Params
from redes.errors import RedesError
from redes.paths import Workspace
from redes.runtime import StageContext
from tests.helpers import REPO_ROOT
from tests.helpers.workspace import pipeline_environment

# A store check that waited out MLflow's retries would take minutes; the stage must stop in seconds.
STORE_CHECK_DEADLINE = 30


def test_default_store_lives_at_the_given_root(tmp_path: Path) -> None:
    workdir_elsewhere = tmp_path / "copy"
    workdir_elsewhere.mkdir()
    with tracking.start_run(tmp_path, "mnist", "mlp", {"git.commit": "abc"}) as run:
        run.log_params({"mnist": {"mlp": {"epochs": 3}}})
        run.log_metrics({"test": {"accuracy": 0.5, "not_a_number": float("nan")}})
        for epoch, loss in ((1, 1.0), (2, 0.5)):
            run.log_metrics({"loss": loss}, step=epoch)
    client = MlflowClient(tracking.default_uri(tmp_path))
    experiment = client.get_experiment_by_name("mnist")
    assert experiment.artifact_location == (tmp_path / "mlartifacts" / "mnist").as_uri()
    (stored,) = client.search_runs([experiment.experiment_id])
    assert stored.info.run_id == run.run_id and stored.info.run_name == "mlp"
    assert stored.data.params == {"mnist.mlp.epochs": "3"}
    assert stored.data.metrics == {"test.accuracy": 0.5, "loss": 0.5}
    assert [m.step for m in client.get_metric_history(run.run_id, "loss")] == [1, 2]
    assert stored.data.tags["mlflow.source.git.commit"] == "abc"


def test_resume_file_continues_one_run(tmp_path: Path) -> None:
    resume = tmp_path / "backup" / "mlflow_run_id"
    with tracking.start_run(tmp_path, "mnist", "cnn", {}, resume_file=resume) as first:
        pass
    assert resume.read_text() == first.run_id
    with tracking.start_run(tmp_path, "mnist", "cnn", {}, resume_file=resume) as second:
        second.log_metrics({"val_accuracy": 0.9}, step=4)
    assert second.run_id == first.run_id
    with tracking.start_run(tmp_path, "mnist", "cnn", {"dvc.evaluate_stage": "x"}, run_id=first.run_id) as third:
        assert third.run_id == first.run_id
    client = MlflowClient(tracking.default_uri(tmp_path))
    runs = client.search_runs([client.get_experiment_by_name("mnist").experiment_id])
    assert len(runs) == 1 and runs[0].data.tags["dvc.evaluate_stage"] == "x"


def test_tracking_uri_replaces_the_default(tmp_path: Path) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'server.db'}"
    with tracking.start_run(tmp_path / "repo", "har", "lstm", {}, uri=elsewhere):
        pass
    assert MlflowClient(elsewhere).get_experiment_by_name("har") is not None
    assert not (tmp_path / "repo" / "mlflow.db").exists()


def test_training_run_resumes_only_the_same_params_and_data(tmp_path: Path, tiny_params: Params) -> None:
    data_file = tmp_path / "mnist.npz"
    data_file.write_bytes(b"digits")
    context = StageContext(
        workspace=Workspace(tmp_path),
        params=tiny_params,
        store_root=tmp_path,
        tracking_uri=None,
        dvc_stage="mnist_train@mlp",
        dvc_exp_name=None,
        data_mirror=None,
        data_catalog=None,
    )
    params = {"base": tiny_params.base, "mnist": {"mlp": tiny_params.mnist.mlp}}
    with tracking.training_run(context, "mnist", "mlp", data_files=[data_file], params=params) as first:
        pass
    with tracking.training_run(context, "mnist", "mlp", data_files=[data_file], params=params) as again:
        pass
    assert (again.run_id, again.backup_dir) == (first.run_id, first.backup_dir)
    assert first.backup_dir.parent == tmp_path / "checkpoints" / "mnist"
    with tracking.evaluation_run(context, "mnist", "mlp", first.run_id) as evaluation:
        evaluation.log_metrics({"test": {"accuracy": 0.9}})
    data_file.write_bytes(b"other digits")
    with tracking.training_run(context, "mnist", "mlp", data_files=[data_file], params=params) as other_data:
        pass
    changed = {"base": tiny_params.base, "mnist": {"mlp": tiny_params.mnist.mlp.model_copy(update={"epochs": 9})}}
    with tracking.training_run(context, "mnist", "mlp", data_files=[data_file], params=changed) as other_params:
        pass
    assert len({first.run_id, other_data.run_id, other_params.run_id}) == 3
    stored = MlflowClient(tracking.default_uri(tmp_path)).get_run(first.run_id)
    assert stored.data.params["mnist.mlp.epochs"] == str(tiny_params.mnist.mlp.epochs)
    assert stored.data.params["base.seed"] == str(tiny_params.base.seed)
    assert stored.data.tags["data.sha256.mnist.npz"] == hashlib.sha256(b"digits").hexdigest()
    assert stored.data.tags["dvc.stage"] == "mnist_train@mlp"
    assert stored.data.tags["dvc.evaluate_stage"] == "mnist_train@mlp"
    assert stored.data.metrics["test.accuracy"] == 0.9


def _assert_one_paragraph(error: RedesError, *mentions: str) -> None:
    message = str(error)
    assert "\n" not in message and all(mention in message for mention in mentions), message


def _refused_uri() -> str:
    """A server address on this machine where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.timeout(STORE_CHECK_DEADLINE)
def test_an_unreachable_server_stops_the_stage_in_one_paragraph(tmp_path: Path) -> None:
    uri = _refused_uri()
    with pytest.raises(RedesError) as raised, tracking.start_run(tmp_path, "mnist", "mlp", {}, uri=uri):
        pass
    _assert_one_paragraph(raised.value, uri, "unset MLFLOW_TRACKING_URI")


@pytest.mark.timeout(STORE_CHECK_DEADLINE)
def test_a_server_that_never_answers_stops_the_stage_in_seconds(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(RedesError) as raised, tracking.start_run(tmp_path, "mnist", "mlp", {}, uri=uri):
            pass
    _assert_one_paragraph(raised.value, uri, "unset MLFLOW_TRACKING_URI")


def _write_text(db: Path) -> None:
    db.write_text("run ids, one per line\n")


def _make_folder(db: Path) -> None:
    db.mkdir()


def _read_only_folder(db: Path) -> None:
    db.parent.chmod(0o555)


def _read_only_file(db: Path) -> None:
    MlflowClient(f"sqlite:///{db}").search_experiments()
    db.chmod(0o444)


def _permissions_ignored() -> bool:
    """Whether this process writes into read-only folders: root does (as in CI), unless its capabilities are dropped."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o555)
        try:
            (Path(folder) / "probe").touch()
        except PermissionError:
            return False
        return True


as_root = pytest.mark.skipif(_permissions_ignored(), reason="this user writes through file permissions (root)")


@pytest.mark.timeout(STORE_CHECK_DEADLINE)
@pytest.mark.parametrize(
    ("damage", "advice"),
    [
        (_write_text, "Move it aside"),
        (_make_folder, "Move it aside"),
        pytest.param(_read_only_folder, "Make it writable", marks=as_root),
        pytest.param(_read_only_file, "Make it writable", marks=as_root),
    ],
)
def test_an_unusable_default_store_stops_the_stage_in_one_paragraph(
    tmp_path: Path, damage: Callable[[Path], None], advice: str
) -> None:
    store_root = tmp_path / "repo"
    store_root.mkdir()
    damage(store_root / "mlflow.db")
    try:
        with pytest.raises(RedesError) as raised, tracking.start_run(store_root, "mnist", "mlp", {}):
            pass
    finally:
        store_root.chmod(0o755)  # so that pytest can remove it
    _assert_one_paragraph(raised.value, str(store_root / "mlflow.db"), advice, "MLFLOW_TRACKING_URI")


# A writer killed mid-transaction: SQLite has already written some of its pages into the
# database file, and the journal beside it holds what they replaced.
_KILLED_WRITE = """
import os, signal, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA cache_size = 1")  # spill changed pages to the file before the commit
connection.execute("BEGIN")
connection.execute("CREATE TABLE scratch (payload BLOB)")
for _ in range(500):
    connection.execute("INSERT INTO scratch VALUES (randomblob(1000))")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_store_damaged_mid_file_stops_the_stage_but_a_killed_write_does_not(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    with tracking.start_run(tmp_path, "mnist", "mlp", {}) as first:
        first.log_metrics({"loss": 1.0})
    subprocess.run([sys.executable, "-c", _KILLED_WRITE, str(db)], check=False)
    assert db.with_name("mlflow.db-journal").exists()
    with tracking.start_run(tmp_path, "mnist", "mlp", {}) as second:  # the write is rolled back, the store is sound
        second.log_metrics({"loss": 0.5})
    client = MlflowClient(tracking.default_uri(tmp_path))
    assert [client.get_run(run.run_id).data.metrics for run in (first, second)] == [{"loss": 1.0}, {"loss": 0.5}]
    with db.open("r+b") as file:
        file.seek(db.stat().st_size // 2)
        file.write(b"garbage!" * 1024)
    with pytest.raises(RedesError) as raised, tracking.start_run(tmp_path, "mnist", "mlp", {}):
        pass
    _assert_one_paragraph(raised.value, str(db), "malformed", "Move it aside")


def _context(root: Path) -> StageContext:
    return StageContext(
        workspace=Workspace(root),
        params=None,  # type: ignore[arg-type]  # training_run takes its params as an argument
        store_root=root,
        tracking_uri=None,
        dvc_stage="mnist_train@cnn",
        dvc_exp_name=None,
        data_mirror=None,
        data_catalog=None,
    )


# What a training stage does, down to `kill -9` in the middle of training.
_KILLED_TRAINING = """
import os, signal, sys
from pathlib import Path
from redes import tracking
from tests.core.test_tracking import _context, CNN_PARAMS

root = Path(sys.argv[1])
with tracking.training_run(_context(root), "mnist", "cnn", data_files=[root / "mnist.npz"], params=CNN_PARAMS) as run:
    print(run.run_id, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""
CNN_PARAMS = {"mnist": {"cnn": {"epochs": 3}}}


def _killed_training(root: Path) -> str:
    """Run a training in another process and kill it mid-way; the id of its run."""
    source = Path(tracking.__file__).parents[1]  # the `redes` this test imports, wherever it is
    env = pipeline_environment(PYTHONPATH=os.pathsep.join([str(source), str(REPO_ROOT)]))
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_TRAINING, str(root)], capture_output=True, text=True, env=env
    )
    assert killed.returncode == -9, killed.stderr
    return killed.stdout.strip()


def _cnn_training(root: Path) -> contextlib.AbstractContextManager[tracking.TrainingRun]:
    return tracking.training_run(_context(root), "mnist", "cnn", data_files=[root / "mnist.npz"], params=CNN_PARAMS)


def test_a_killed_training_is_marked_killed_unless_continued_which_ends_finished(tmp_path: Path) -> None:
    (tmp_path / "mnist.npz").write_bytes(b"digits")
    abandoned = _killed_training(tmp_path)
    shutil.rmtree(tmp_path / "checkpoints")  # its backup is gone, as with the workspace of `dvc exp run --temp`
    with _cnn_training(tmp_path) as fresh:
        pass
    client = MlflowClient(tracking.default_uri(tmp_path))
    client.update_run(fresh.run_id, status="RUNNING")  # killed in turn, its backup kept this time
    with _cnn_training(tmp_path) as continued:
        pass
    assert continued.run_id == fresh.run_id != abandoned
    assert {run_id: client.get_run(run_id).info.status for run_id in (abandoned, fresh.run_id)} == {
        abandoned: "KILLED",
        fresh.run_id: "FINISHED",
    }


def test_a_backup_whose_run_is_not_in_the_store_goes_on_in_a_new_run(tmp_path: Path) -> None:
    (tmp_path / "mnist.npz").write_bytes(b"digits")
    with _cnn_training(tmp_path) as first:
        pass
    # Another store (a server now, or the old one moved aside) knows nothing of that run.
    elsewhere = dataclasses.replace(_context(tmp_path), tracking_uri=f"sqlite:///{tmp_path / 'server.db'}")
    training = {"data_files": [tmp_path / "mnist.npz"], "params": CNN_PARAMS}
    with tracking.training_run(elsewhere, "mnist", "cnn", **training) as second:
        pass
    with tracking.training_run(elsewhere, "mnist", "cnn", **training) as third:
        pass
    assert first.run_id != second.run_id == third.run_id
    assert MlflowClient(elsewhere.tracking_uri).get_run(second.run_id).info.status == "FINISHED"


def test_keras_callback_names_each_members_metrics_by_its_prefix(tmp_path: Path) -> None:
    import keras
    import numpy as np

    x, y = np.zeros((8, 3), np.float32), np.zeros((8,), np.int64)
    with tracking.start_run(tmp_path, "aircalc", "recognizer", {}) as run:
        for prefix in ("", "seed_1_", "seed_2_"):
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
            model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0, callbacks=[run.keras_callback(prefix)])
    client = MlflowClient(tracking.default_uri(tmp_path))
    assert {"loss", "val_loss", "seed_1_loss", "seed_1_val_loss", "seed_2_loss", "seed_2_val_loss"} <= set(
        client.get_run(run.run_id).data.metrics
    )
    assert [m.step for m in client.get_metric_history(run.run_id, "seed_2_val_loss")] == [0, 1]
