"""Pipeline smoke: the real `dvc repro` of the whole DAG in a temporary copy of the repository.

Tiny params and synthetic IDX files served from a mirror folder (no network, no
real data); the real stages, the real DVC and a real MLflow store below the copy.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from conftest import tiny_params_dict
from synthetic import write_mirror
from workspace import commit_all, copy_repository, pipeline_environment, run_command

FOUNDATIONS_FIGURES = (
    "linear_convergence.png",
    "sigmoid.png",
    "logistic_boundary.png",
    "activations.png",
    "checks.png",
    "attention_causal.png",
    "gan_densities.png",
)
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    mirror = tmp_path_factory.mktemp("mirror")
    return pipeline_environment(REDES_DATA_MIRROR=str(mirror), REDES_DATA_CATALOG=str(write_mirror(mirror)))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]) -> Path:
    """A fresh git repository of the project, after one `dvc repro` on tiny params."""
    root = copy_repository(tmp_path_factory.mktemp("redes"), environment)
    (root / "params.yaml").write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    commit_all(root, environment, "project at test time")
    run_command(["dvc", "repro"], root, environment)
    commit_all(root, environment, "tiny results")
    return root


def _client(root: Path) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")


def _mnist_runs(root: Path) -> list:
    client = _client(root)
    experiment = client.get_experiment_by_name("mnist")
    assert experiment is not None, "no MLflow experiment 'mnist' in the repository's store"
    return client.search_runs([experiment.experiment_id])


def test_outputs_and_sane_metrics(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics/mnist.json").read_text())
    assert set(metrics) == {"mlp", "cnn"}
    for model in metrics.values():
        assert 0.5 < model["test_accuracy"] <= 1.0  # the synthetic digits are easy: far above chance
        assert 0.0 < model["macro_f1"] <= 1.0
        assert set(model["per_class_accuracy"]) == {str(d) for d in range(10)}
    for name in ("mlp", "cnn"):
        assert (repo / f"models/mnist/{name}/model.keras").stat().st_size > 0
        history = pd.read_csv(repo / f"reports/plots/mnist/{name}_history.csv")
        assert list(history["epoch"]) == list(range(1, len(history) + 1))
        for figure in ("confusion", "misclassified", "training_curves"):
            assert (repo / f"reports/figures/mnist/{name}_{figure}.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in (repo / "data/raw/mnist").iterdir()) == sorted(MNIST_FILES)
    assert not list((repo / "checkpoints").rglob("state"))  # finished trainings leave no backup


def test_har_windows_are_cut_from_the_raw_zip(repo: Path) -> None:
    assert (repo / "data/raw/hapt/HAPT_Data_Set_RawData.zip").stat().st_size > 0
    card = json.loads((repo / "data/processed/har/card.json").read_text())
    assert {split: card[split]["windows"] for split in card} == {"train": 54, "validation": 18, "test": 36}
    assert set(card["test"]["per_subject"]) == {"2"}  # UCI HAR's test subjects only


def test_report_is_self_contained(repo: Path) -> None:
    html = (repo / "reports/report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 6 + len(FOUNDATIONS_FIGURES)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from a network
    summary = (repo / "reports/summary.md").read_text()
    run_ids = json.loads((repo / "reports/runs/mnist.json").read_text())
    assert run_ids["cnn"] in summary and run_ids["mlp"] in summary
    assert json.loads((repo / "reports/runs/foundations.json").read_text())["foundations"] in summary
    assert "| linear_normal_equations | (19) |" in summary  # each check with the equation it verifies
    for line in summary.splitlines():
        if line.startswith("!["):
            assert (repo / "reports" / line.split("](")[1].rstrip(")")).exists()
    assert "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609" in summary  # published MNIST hash


def test_every_model_is_an_mlflow_run_with_its_provenance(repo: Path, environment: dict[str, str]) -> None:
    runs = {run.info.run_name: run for run in _mnist_runs(repo)}
    assert set(runs) == {"mlp", "cnn"}
    catalog = json.loads(Path(environment["REDES_DATA_CATALOG"]).read_text())["mnist"]
    metrics = json.loads((repo / "reports/metrics/mnist.json").read_text())
    commit = run_command(["git", "rev-parse", "HEAD~1"], repo, environment).stdout.strip()
    for name, run in runs.items():
        tags, data = run.data.tags, run.data
        assert tags["git.commit"] == commit and tags["git.dirty"] in {"true", "false"}
        assert tags["dvc.stage"] == f"mnist_train@{name}"
        assert tags["dvc.evaluate_stage"] == "mnist_evaluate"
        for file_name, entry in catalog.items():
            assert tags[f"data.sha256.{file_name}"] == entry["sha256"]
        assert data.params[f"mnist.{name}.epochs"] == str(tiny_params_dict()["mnist"][name]["epochs"])
        assert data.metrics["test.test_accuracy"] == pytest.approx(metrics[name]["test_accuracy"])
        epochs = _client(repo).get_metric_history(run.info.run_id, "val_accuracy")
        assert len(epochs) == tiny_params_dict()["mnist"][name]["epochs"]
        artifacts = {a.path for a in _client(repo).list_artifacts(run.info.run_id, "figures")}
        assert f"figures/{name}_confusion.png" in artifacts
        assert (repo / "mlartifacts").is_dir()  # artifacts live beside the store, not in the working directory


def test_foundations_checks_pass_and_are_tracked(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics/foundations.json").read_text())
    checks = metrics["checks"]
    assert len(checks) == metrics["checks_total"] == metrics["checks_passed"] >= 40
    for name, check in checks.items():
        assert check["passed"] and 0.0 <= check["max_rel_error"] <= check["tolerance"], name
    assert metrics["gan"]["wasserstein_trained"] < metrics["gan"]["wasserstein_untrained"]
    figures = repo / "reports/figures/foundations"
    assert sorted(path.name for path in figures.iterdir()) == sorted(FOUNDATIONS_FIGURES)
    table = pd.read_csv(repo / "reports/tables/foundations/checks.csv")
    assert sorted(table["check"]) == sorted(checks)
    client = _client(repo)
    (run,) = client.search_runs([client.get_experiment_by_name("foundations").experiment_id])
    assert run.info.run_id == json.loads((repo / "reports/runs/foundations.json").read_text())["foundations"]
    assert run.data.tags["dvc.stage"] == "foundations"
    assert {"data.sha256.diabetes_target.csv.gz", "data.sha256.breast_cancer.csv"} <= set(run.data.tags)
    assert run.data.metrics["checks.linear_normal_equations.passed"] == 1.0
    assert run.data.params["foundations.gan.discriminator_steps"] == "1"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert artifacts == {f"figures/{name}" for name in FOUNDATIONS_FIGURES}


def test_a_failed_check_fails_the_stage_and_names_it(environment: dict[str, str], tmp_path: Path) -> None:
    root = copy_repository(tmp_path, environment)
    params = tiny_params_dict()
    params["foundations"]["linear"]["sgd_epochs"] = 3  # SGD cannot reach the optimum in 3 passes
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    result = subprocess.run(
        [sys.executable, "stages/foundations.py"], cwd=root, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "linear_stochastic_gradient_descent (9): relative error" in result.stderr
    assert "Traceback" not in result.stderr
    assert not json.loads((root / "reports/metrics/foundations.json").read_text())["checks"][
        "linear_stochastic_gradient_descent"
    ]["passed"]


def test_logged_model_loads_back(repo: Path) -> None:
    import mlflow
    import numpy as np

    run = next(run for run in _mnist_runs(repo) if run.info.run_name == "cnn")
    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    probabilities = np.asarray(model.predict(np.zeros((3, 28, 28, 1), dtype=np.float32)))
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_nothing_to_do_the_second_time(repo: Path, environment: dict[str, str]) -> None:
    result = run_command(["dvc", "repro"], repo, environment)
    assert "Running stage" not in result.stdout
    assert run_command(["dvc", "status"], repo, environment).stdout.strip() == "Data and pipelines are up to date."


def test_push_then_pull_into_a_fresh_clone(repo: Path, environment: dict[str, str], tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    run_command(["dvc", "remote", "modify", "--local", "local", "url", str(remote)], repo, environment)
    run_command(["dvc", "push"], repo, environment)
    clone = tmp_path / "clone"
    run_command(["git", "clone", "-q", str(repo), str(clone)], tmp_path, environment)
    run_command(["dvc", "remote", "modify", "--local", "local", "url", str(remote)], clone, environment)
    run_command(["dvc", "pull"], clone, environment)
    for path in (
        "models/mnist/cnn/model.keras",
        "data/processed/mnist/mnist.npz",
        *(f"data/raw/mnist/{f}" for f in MNIST_FILES),
    ):
        assert (clone / path).read_bytes() == (repo / path).read_bytes(), path
    assert run_command(["dvc", "status"], clone, environment).stdout.strip() == "Data and pipelines are up to date."


def test_queued_experiments_land_in_the_main_store(repo: Path, environment: dict[str, str]) -> None:
    before = {run.info.run_id for run in _mnist_runs(repo)}
    for epochs in (1, 2):
        run_command(
            ["dvc", "exp", "run", "--queue", "-n", f"mlp-{epochs}-epochs", "-S", f"mnist.mlp.epochs={epochs}"],
            repo,
            environment,
        )
    run_command(["dvc", "exp", "run", "--run-all", "-j", "1"], repo, environment, timeout=900)
    new = [run for run in _mnist_runs(repo) if run.info.run_id not in before]
    assert sorted(run.data.tags.get("dvc.exp_name", "") for run in new) == ["mlp-1-epochs", "mlp-2-epochs"]
    assert {run.info.run_name for run in new} == {"mlp"}
    for run in new:
        epochs = run.data.tags["dvc.exp_name"].split("-")[1]
        assert run.data.params["mnist.mlp.epochs"] == epochs
        assert "test.test_accuracy" in run.data.metrics  # the evaluate stage of the temporary copy found the run
    shown = run_command(["dvc", "exp", "show", "--json"], repo, environment).stdout
    assert "mlp-1-epochs" in shown and "mlp-2-epochs" in shown


def test_killed_training_resumes(repo: Path, environment: dict[str, str]) -> None:
    """Kill the training process mid-run, run the stage again: it continues from its backup, in the same MLflow run."""
    params = tiny_params_dict()
    params["mnist"]["mlp"].update(epochs=40, checkpoint_every_batches=2, early_stopping_patience=40)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    runs_before = len(_mnist_runs(repo))
    command = [sys.executable, "stages/mnist_train.py", "mlp"]
    process = subprocess.Popen(
        command, cwd=repo, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 300
    history = None
    while time.monotonic() < deadline and process.poll() is None:
        history = next((repo / "checkpoints/mnist").glob("mlp-*/history.csv"), None)
        if history is not None and len(history.read_text().splitlines()) > 3:  # header and 3 epochs
            break
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    resumed = run_command(command, repo, environment)
    epoch_lines = re.findall(r"^Epoch (\d+)/40", resumed.stdout, flags=re.MULTILINE)
    assert epoch_lines and int(epoch_lines[0]) >= 3, resumed.stdout[:2000]
    assert len(_mnist_runs(repo)) == runs_before + 1  # the killed run and its continuation are one run
    final = pd.read_csv(repo / "reports/plots/mnist/mlp_history.csv")
    assert list(final["epoch"]) == list(range(1, 41))
    run_command(["git", "checkout", "--", "params.yaml"], repo, environment)
