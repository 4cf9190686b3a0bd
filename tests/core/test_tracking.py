"""Tracking against a real MLflow sqlite store in a temporary folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mlflow.tracking import MlflowClient

from redes import tracking
from redes.config import Params
from redes.paths import Workspace
from redes.runtime import StageContext


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
