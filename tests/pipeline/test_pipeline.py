"""Pipeline smoke: the real `dvc repro` of the whole DAG in a temporary copy of the repository.

Tiny params and synthetic IDX files served from a mirror folder (no network, no
real data); the real stages, the real DVC and a real MLflow store below the copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

# Imported to register the custom layers of the HAR nets and of the AirCalc members, to load them.
import redes.har.models
import redes.mnist.models  # noqa: F401
from redes.aging.groups import GROUP_NAMES
from redes.aircalc.symbols import TOKENS
from redes.config import flatten
from redes.sections import SECTIONS
from tests.helpers import REPO_ROOT, tiny_params_dict
from tests.helpers.browser import chromium
from tests.helpers.synthetic import HAND_FILES, write_mirror
from tests.helpers.workspace import commit_all, copy_repository, pipeline_environment, run_command

FOUNDATIONS_FIGURES = (
    "linear_convergence.png",
    "sigmoid.png",
    "logistic_boundary.png",
    "activations.png",
    "checks.png",
    "attention_causal.png",
    "gan_densities.png",
)
HAR_MODELS = ("simple_rnn", "lstm", "gru", "conv_lstm")
HAR_FIGURES = (
    *(f"{name}_{kind}.png" for name in HAR_MODELS for kind in ("confusion", "training_curves")),
    "baseline_confusion.png",
    "per_subject.png",
)
PINN_CASES = ("forward", "inverse_clean", "inverse_noisy")
PINN_FIGURES = (
    *(f"{case}_{kind}.png" for case in PINN_CASES for kind in ("field", "slices", "loss")),
    "inverse_lambdas.png",
)
MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


REAL_MIRROR = Path(os.environ["REDES_DATA_MIRROR"]) if os.environ.get("REDES_DATA_MIRROR") else None
pytestmark = pytest.mark.skipif(
    REAL_MIRROR is None or not all((REAL_MIRROR / "mediapipe" / name).is_file() for name in HAND_FILES),
    reason="the whole DAG includes AirCalc's camera check, which needs MediaPipe's real hand model and photo: "
    "set REDES_DATA_MIRROR to a mirror with mediapipe/" + " and ".join(HAND_FILES),
)
AGING_FIGURES = ("aging_grid.png", "losses.png", "per_group.png", "estimator_errors.png")
AIRCALC_FIGURES = ("symbols_confusion.png", "training_curves.png", "expression_read.png", "expression_failures.png")


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    mirror = tmp_path_factory.mktemp("mirror")
    catalog = write_mirror(mirror, REAL_MIRROR)
    return pipeline_environment(REDES_DATA_MIRROR=str(mirror), REDES_DATA_CATALOG=str(catalog))


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


def _runs(root: Path, experiment_name: str) -> list:
    client = _client(root)
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, f"no MLflow experiment {experiment_name!r} in the repository's store"
    return client.search_runs([experiment.experiment_id])


def _mnist_runs(root: Path) -> list:
    return _runs(root, "mnist")


def test_outputs_and_sane_metrics(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics/mnist.json").read_text())
    assert set(metrics) == {"mlp", "cnn"}
    for model in metrics.values():
        assert 0.5 < model["test_accuracy"] <= 1.0  # the synthetic digits are easy: far above chance
        assert 0.0 < model["macro_f1"] <= 1.0
    per_class = pd.read_csv(repo / "reports/tables/mnist/per_class_accuracy.csv")
    assert list(per_class["digit"]) == list(range(10)) and list(per_class.columns[1:]) == ["mlp", "cnn"]
    for name in ("mlp", "cnn"):
        assert (repo / f"models/mnist/{name}/model.keras").stat().st_size > 0
        history = pd.read_csv(repo / f"reports/plots/mnist/{name}_history.csv")
        assert list(history["epoch"]) == list(range(1, len(history) + 1))
        for figure in ("confusion", "misclassified", "training_curves"):
            assert (repo / f"reports/figures/mnist/{name}_{figure}.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in (repo / "data/raw/mnist").iterdir()) == sorted(MNIST_FILES)
    assert not list((repo / "checkpoints").rglob("backup.npz"))  # finished trainings leave no backup


def test_aircalc_is_scored_on_symbols_expressions_and_the_camera(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics/aircalc.json").read_text())
    assert {"symbols", "expressions", "latency_ms_per_expression", "camera_fps"} <= set(metrics)
    symbols, expressions = metrics["symbols"], metrics["expressions"]
    assert 1 / 14 < symbols["test_accuracy"] <= 1.0 and 0.0 < symbols["macro_f1"] <= 1.0
    tables = repo / "reports/tables/aircalc"
    assert list(pd.read_csv(tables / "per_class_recall.csv", dtype=str)["symbol"]) == list(TOKENS)
    assert set(pd.read_csv(tables / "per_form_recall.csv")["form"]) == {"plus", "minus", "cross", "obelus", "slash"}
    assert 0.0 <= expressions["value_accuracy"] <= 1.0 and 0.0 <= expressions["exact_match"] <= 1.0
    assert metrics["latency_ms_per_expression"] > 0 and metrics["camera_fps"] > 0
    # The hand tracked in every frame it is in: 48 frames of writing in each of the three passes.
    camera = json.loads((tables / "camera_check.json").read_text())
    assert camera["frames"] == 3 * (48 + 4 * 6) and camera["written"] == "7-1"
    figures = repo / "reports/figures/aircalc"
    assert sorted(path.name for path in figures.iterdir()) == sorted(AIRCALC_FIGURES)
    card = json.loads((repo / "data/processed/aircalc/card.json").read_text())
    assert set(card["test"]) == {*"0123456789", "plus", "minus", "cross", "obelus", "slash"}  # digits, then forms
    (run,) = _runs(repo, "aircalc")
    assert run.info.run_id == json.loads((repo / "reports/runs/aircalc.json").read_text())["recognizer"]
    assert run.data.tags["dvc.stage"] == "aircalc_train" and run.data.tags["dvc.evaluate_stage"] == "aircalc_evaluate"
    assert run.data.metrics["test.symbols.test_accuracy"] == pytest.approx(symbols["test_accuracy"])
    assert run.data.metrics["camera_fps"] == pytest.approx(metrics["camera_fps"])
    # The recogniser averages its members; each member's curves are in the one run, named by seed.
    recognizer, base_seed = tiny_params_dict()["aircalc"]["recognizer"], tiny_params_dict()["base"]["seed"]
    seeds = [base_seed + offset for offset in range(recognizer["members"])]
    model = keras.saving.load_model(repo / "models/aircalc/recognizer/model.keras")
    assert [layer.name for layer in model.layers[1:-1]] == [f"member_seed{seed}" for seed in seeds]
    assert {f"seed_{seed}_val_accuracy" for seed in seeds} <= set(run.data.metrics)


def test_utkface_is_split_by_age_group_with_its_data_card(repo: Path) -> None:
    card = json.loads((repo / "data/processed/aging/card.json").read_text())
    assert sum(card["sizes"].values()) == 65  # 6 faces of each group and the 5 published irregular names
    assert len(card["irregular_names_read"]) == 5 and card["names_skipped"] == []
    for split, groups in card["faces_per_group_and_gender"].items():
        assert sum(sum(genders.values()) for genders in groups.values()) == card["sizes"][split]
    with np.load(repo / "data/processed/aging/faces.npz") as faces:
        assert faces["x_train"].shape[1:] == (16, 16, 3) and faces["x_train"].dtype == np.uint8


def test_faces_are_aged_by_the_caae_and_judged_by_the_estimator(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics/aging.json").read_text())
    assert metrics["estimator"]["test_mae"] < metrics["estimator"]["constant_guess_mae"]
    aging = metrics["aging"]
    headline = ("group_accuracy", "group_accuracy_within_one", "spearman_mean", "reconstruction_ssim")
    assert all(-1.0 <= aging[key] <= 1.0 for key in headline)
    assert aging["reconstruction_psnr"] > 0 and aging["frechet_estimator_features"] >= 0
    per_group = pd.read_csv(repo / "reports/tables/aging/per_group.csv")
    assert list(per_group["group"]) == list(GROUP_NAMES)
    assert per_group["group_accuracy"].between(0, 1).all() and (per_group["estimator_mae"].dropna() >= 0).all()
    for name in AGING_FIGURES:
        assert (repo / "reports/figures/aging" / name).read_bytes()[:4] == b"\x89PNG"
    ager = repo / "models/aging/caae"
    assert {path.name for path in ager.glob("*.keras")} == {"encoder.keras", "generator.keras"}
    run_ids = json.loads((repo / "reports/runs/aging.json").read_text())
    runs = {run.info.run_name: run for run in _runs(repo, "aging")}
    assert {name: run.info.run_id for name, run in runs.items()} == run_ids
    assert runs["estimator"].data.tags["dvc.stage"] == "aging_estimator"
    assert runs["caae"].data.tags["dvc.stage"] == "aging_train"
    assert runs["caae"].data.metrics["test.reconstruction_ssim"] == pytest.approx(aging["reconstruction_ssim"])
    assert runs["caae"].data.params["optimizer_name"] == "adam"
    for name, column in (("estimator", "val_age_mae"), ("caae", "val_reconstruction")):
        history = pd.read_csv(repo / f"reports/plots/aging/{name}_history.csv")
        epochs = _client(repo).get_metric_history(run_ids[name], column)
        assert len(epochs) == len(history) and history[column].gt(0).all()


def test_har_windows_are_cut_from_the_raw_zip(repo: Path) -> None:
    assert (repo / "data/raw/hapt/HAPT_Data_Set_RawData.zip").stat().st_size > 0
    card = json.loads((repo / "data/processed/har/card.json").read_text())
    assert {split: card[split]["windows"] for split in card} == {"train": 54, "validation": 18, "test": 36}
    assert set(card["test"]["per_subject"]) == {"2"}  # UCI HAR's test subjects only


def test_har_models_trained_with_every_seed_and_evaluated(repo: Path) -> None:
    seeds = [str(tiny_params_dict()["base"]["seed"] + offset) for offset in range(tiny_params_dict()["har"]["seeds"])]
    metrics = json.loads((repo / "reports/metrics/har.json").read_text())
    assert set(metrics) == {*HAR_MODELS, "baseline"}
    seed_table = pd.read_csv(repo / "reports/tables/har/seeds.csv", dtype={"seed": str})
    for name, entry in metrics.items():
        rows = seed_table[seed_table["model"] == name]
        assert sorted(rows["seed"]) == (sorted(seeds) if name != "baseline" else [seeds[0]])
        assert entry["test_accuracy_mean"] == pytest.approx(rows["test_accuracy"].mean())
        assert entry["test_accuracy_std"] >= 0.0 and 0.0 <= entry["macro_f1_mean"] <= 1.0
    per_class = pd.read_csv(repo / "reports/tables/har/per_class_accuracy.csv")
    assert list(per_class.columns) == ["activity", *HAR_MODELS, "baseline"] and per_class["activity"].is_unique
    # The synthetic activities are tones of 1-6 Hz: the statistics' spectrum separates them.
    assert metrics["baseline"]["test_accuracy_mean"] > 0.9
    for name in HAR_MODELS:
        for seed in seeds:
            assert (repo / f"models/har/{name}/seed_{seed}/model.keras").stat().st_size > 0
            history = pd.read_csv(repo / f"reports/plots/har/{name}/seed_{seed}.csv")
            assert list(history["epoch"]) == list(range(1, len(history) + 1)) and len(history) >= 2
    assert (repo / "models/har/baseline/model.skops").stat().st_size > 0
    assert sorted(path.name for path in (repo / "reports/figures/har").iterdir()) == sorted(HAR_FIGURES)
    table = pd.read_csv(repo / "reports/tables/har/per_subject.csv")
    assert list(table["subject"]) == [2] and set(table.columns) == {"subject", *HAR_MODELS, "baseline"}
    assert not (repo / "checkpoints/har").exists() or not list((repo / "checkpoints/har").iterdir())


def test_every_training_curve_is_a_dvc_plot(repo: Path, environment: dict[str, str]) -> None:
    shown = json.loads(run_command(["dvc", "plots", "show", "--json"], repo, environment).stdout)
    assert not shown.get("errors"), shown.get("errors")
    seeds = [tiny_params_dict()["base"]["seed"] + offset for offset in range(tiny_params_dict()["har"]["seeds"])]
    expected = {f"reports/plots/har/{name}/seed_{seed}.csv" for name in HAR_MODELS for seed in seeds}
    expected |= {f"reports/plots/pinn/{case}.csv" for case in PINN_CASES}
    members = tiny_params_dict()["aircalc"]["recognizer"]["members"]
    expected |= {f"reports/plots/aircalc/recognizer/seed_{seeds[0] + offset}.csv" for offset in range(members)}
    expected |= {"reports/plots/aging/estimator_history.csv", "reports/plots/aging/caae_history.csv"}
    expected |= {"aging_caae_losses"}
    expected |= {"mnist_accuracy", "mnist_loss", "pinn_forward_loss_terms", "pinn_inverse_loss_terms"}
    assert expected <= set(shown["data"])


def test_the_metrics_dvc_compares_are_a_few_numbers_each(repo: Path, environment: dict[str, str]) -> None:
    """`dvc exp show` gives every metric a column: numbers two runs can differ in, not each class's or check's."""
    shown = json.loads(run_command(["dvc", "metrics", "show", "--json"], repo, environment).stdout)
    ((_, workspace),) = shown.items()  # the workspace's, the only revision asked for
    files = workspace["data"]
    assert sorted(files) == sorted(f"reports/metrics/{project}.json" for project in SECTIONS)
    metrics = {
        f"{path}:{name}": value for path, entry in files.items() for name, value in flatten(entry["data"]).items()
    }
    not_numbers = {name: value for name, value in metrics.items() if type(value) not in (int, float)}
    assert not not_numbers  # no flag, string, list or missing value: a column to compare is a number
    assert len(metrics) < 100, sorted(metrics)


def test_pinn_is_scored_against_the_reference_and_tracked(repo: Path) -> None:
    """Synthetic burgers_shock.mat → reference → three trainings → evaluation, each training an MLflow run."""
    card = json.loads((repo / "data/processed/pinn/card.json").read_text())
    assert card["scored_against"] == "burgers_shock.mat" and card["grid"] == {"x_points": 64, "t_points": 20}
    metrics = json.loads((repo / "reports/metrics/pinn.json").read_text())
    assert metrics["reference"]["cole_hopf_max_abs_diff"] < 1e-9  # the fixture is Cole-Hopf with other nodes
    assert 0.0 < metrics["forward"]["rel_l2"] < 1.5 and metrics["forward"]["train_seconds"] > 0
    assert set(metrics["inverse"]) == {"clean", "noisy"}
    for result in metrics["inverse"].values():
        assert result["lambda1_rel_error"] == pytest.approx(abs(result["lambda1"] - 1.0))
        assert result["lambda2"] != 0.0  # moved from its start
    assert sorted(path.name for path in (repo / "reports/figures/pinn").iterdir()) == sorted(PINN_FIGURES)
    run_ids = json.loads((repo / "reports/runs/pinn.json").read_text())
    runs = {run.info.run_name: run for run in _runs(repo, "pinn")}
    assert set(runs) == set(PINN_CASES) and {run.info.run_id for run in runs.values()} == set(run_ids.values())
    client = _client(repo)
    for case, run in runs.items():
        history = pd.read_csv(repo / f"models/pinn/{case}/history.csv")
        assert list(history["iteration"]) == [0, 5, 10, 15, 20, 25, 30, 35, 40]  # 20 Adam, then 20 BFGS steps
        plot = pd.read_csv(repo / f"reports/plots/pinn/{case}.csv")
        assert {"iteration", "log10_loss", "log10_residual", "log10_rel_l2"} <= set(plot.columns)
        logged = client.get_metric_history(run.info.run_id, "residual")
        assert [m.step for m in logged] == list(history["iteration"])
        assert "evaluation.rel_l2" in run.data.metrics and "data.sha256.reference.npz" in run.data.tags
        section = "forward" if case == "forward" else "inverse"
        assert run.data.params[f"pinn.{section}.network.layers"] == "3"
    assert runs["inverse_noisy"].data.params["noise"] == "0.01"
    assert not (repo / "checkpoints/pinn").exists() or not list((repo / "checkpoints/pinn").iterdir())


def test_each_har_model_and_seed_is_an_mlflow_run(repo: Path) -> None:
    runs = {run.info.run_name: run for run in _runs(repo, "har")}
    params = tiny_params_dict()
    seeds = [params["base"]["seed"] + offset for offset in range(params["har"]["seeds"])]
    assert set(runs) == {f"{name}-seed{seed}" for name in HAR_MODELS for seed in seeds} | {"baseline"}
    run_ids = json.loads((repo / "reports/runs/har.json").read_text())
    seed_table = pd.read_csv(repo / "reports/tables/har/seeds.csv").set_index(["model", "seed"])
    metrics = json.loads((repo / "reports/metrics/har.json").read_text())
    for name in HAR_MODELS:
        for seed in seeds:
            run = runs[f"{name}-seed{seed}"]
            assert run.info.run_id == run_ids[name][str(seed)]
            assert run.data.tags["dvc.stage"] == f"har_train@{name}" and run.data.tags["seed"] == str(seed)
            assert run.data.params["base.seed"] == str(seed)
            assert run.data.params[f"har.{name}.epochs"] == "6"
            assert run.data.metrics["test.accuracy"] == pytest.approx(seed_table.loc[(name, seed), "test_accuracy"])
            assert "data.sha256.HAPT_Data_Set_RawData.zip" in run.data.tags
    baseline = runs["baseline"]
    assert baseline.data.tags["dvc.stage"] == "har_baseline"
    assert baseline.data.params["har.baseline.spectrum_bins"] == "4"
    assert baseline.data.metrics["test.accuracy"] == pytest.approx(metrics["baseline"]["test_accuracy_mean"])
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    pipeline = mlflow.sklearn.load_model(f"runs:/{baseline.info.run_id}/model")  # logged by sklearn autolog
    assert pipeline.predict(np.zeros((2, 9 * (11 + 4)))).shape == (2,)  # 9 channels x (11 statistics + 4 bins)

    net = mlflow.pyfunc.load_model(f"runs:/{runs[f'lstm-seed{seeds[0]}'].info.run_id}/model")
    probabilities = np.asarray(net.predict(np.zeros((3, 128, 9), dtype=np.float32)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_report_is_self_contained(repo: Path) -> None:
    html = (repo / "reports/report.html").read_text()
    figures = 6 + len(FOUNDATIONS_FIGURES) + len(AIRCALC_FIGURES) + len(HAR_FIGURES) + len(AGING_FIGURES)
    figures += len(PINN_FIGURES)
    assert html.count('src="data:image/png;base64,') == figures
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
    har_run_ids = json.loads((repo / "reports/runs/har.json").read_text())
    assert all(run_id in summary for runs in har_run_ids.values() for run_id in runs.values())
    assert "| validation | 7 |" in summary  # the HAR data card: validation subjects and their windows
    pinn_run_ids = json.loads((repo / "reports/runs/pinn.json").read_text())
    assert all(run_id in summary for run_id in pinn_run_ids.values())
    assert "published solution `burgers_shock.mat`" in summary
    assert json.loads((repo / "reports/runs/aircalc.json").read_text())["recognizer"] in summary
    assert "9f986a7b99316d263d9b933f390dcc3652e295ffcf37968017e0393eac93f920" in summary  # BHMSDS as mirrored
    aging_run_ids = json.loads((repo / "reports/runs/aging.json").read_text())
    assert all(run_id in summary for run_id in aging_run_ids.values())
    assert "`24_0_1_20170116220224657 .jpg.chip.jpg`" in summary  # the data card names the irregular names read


# What a page shows the reader of the report, all <details> opened: the Markdown left in its text, how much wider
# than the window it is, the headline table's links and the ids of the sections they must reach.
_READ_THE_REPORT = """
document.querySelectorAll("details").forEach((details) => { details.open = true; });
const headline = document.querySelector("table");
return {
  text: document.body.textContent,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  links: [...headline.querySelectorAll("tbody tr td:first-child a")].map((a) => a.getAttribute("href")),
  sections: [...document.querySelectorAll("h2[id]")].map((h2) => "#" + h2.id),
  figures: document.querySelectorAll("figure").length,
  described: document.querySelectorAll("figure img[alt]:not([alt='']) + figcaption").length,
};
"""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    yield from chromium()


def test_the_report_reads_in_a_browser_at_laptop_and_phone_widths(repo: Path, browser) -> None:
    """reports/report.html in headless Chromium: no Markdown left raw, never wider than the window at 1300 and
    400 px, a headline row per project linked to its section, and every figure with alt text and a caption."""
    browser.get((repo / "reports/report.html").as_uri())
    for width, mobile in ((1300, False), (400, True)):
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        page = browser.execute_script(_READ_THE_REPORT)
        assert page["overflow"] <= 0, f"{page['overflow']} px wider than a {width} px window"
    for marker in ("**", "`", "]("):
        assert marker not in page["text"], f"raw Markdown {marker!r} in the report"
    projects = page["sections"][1:]  # after "How these results were made"
    assert len(projects) == 6 and page["links"] == projects
    assert page["figures"] == page["described"] > 0
    summary = (repo / "reports/summary.md").read_text()
    assert "| [MNIST: feed-forward net and CNN](#mnist-feed-forward-net-and-cnn) |" in summary  # GitHub's anchor
    assert "\n## MNIST: feed-forward net and CNN\n" in summary


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
    table = pd.read_csv(repo / "reports/tables/foundations/checks.csv")
    assert len(table) == metrics["checks_passed"] >= 40 and table["passed"].all()
    assert table["check"].is_unique and (table["max_rel_error"] >= 0).all()
    assert metrics["worst_error_ratio"] == pytest.approx((table["max_rel_error"] / table["tolerance"]).max())
    assert metrics["worst_error_ratio"] <= 1
    assert metrics["gan"]["wasserstein_trained"] < metrics["gan"]["wasserstein_untrained"]
    figures = repo / "reports/figures/foundations"
    assert sorted(path.name for path in figures.iterdir()) == sorted(FOUNDATIONS_FIGURES)
    client = _client(repo)
    (run,) = client.search_runs([client.get_experiment_by_name("foundations").experiment_id])
    assert run.info.run_id == json.loads((repo / "reports/runs/foundations.json").read_text())["foundations"]
    assert run.data.tags["dvc.stage"] == "foundations"
    assert {"data.sha256.diabetes_target.csv.gz", "data.sha256.breast_cancer.csv"} <= set(run.data.tags)
    errors = table.set_index("check")["max_rel_error"]
    assert run.data.metrics["checks.linear_normal_equations.max_rel_error"] == pytest.approx(
        errors["linear_normal_equations"]
    )
    assert run.data.params["foundations.gan.discriminator_steps"] == "1"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
    assert artifacts == {f"figures/{name}" for name in FOUNDATIONS_FIGURES}


# Each evaluate stage, the model it finds learnt nothing, and what it says of it.
REFUSALS = (
    ("mnist_evaluate", "models/mnist/mlp/model.keras", r"test accuracy \d+\.\d+% is no better than chance"),
    ("har_evaluate", "models/har/simple_rnn/seed_{seed}/model.keras", r"no better than chance \(\d+\.\d+%"),
    ("pinn_evaluate", "models/pinn/forward/network.keras", r"relative L2 error 1 is no better than u = 0"),
    ("aircalc_evaluate", "models/aircalc/recognizer/model.keras", r"test accuracy \d+\.\d+% is no better than"),
)


def test_an_evaluation_refuses_to_publish_a_model_that_learnt_nothing(
    repo: Path, environment: dict[str, str], subtests: pytest.Subtests
) -> None:
    """A diverged training can save finite weights; with all of them zero a classifier always answers class 0
    and the PINN says u = 0. Each evaluate stage fails naming the numbers and publishes nothing.

    The four stages run at once (each reads its own models and would write its own metrics): their
    TensorFlow start-ups overlap instead of following one another.
    """
    paths = [repo / model_file.format(seed=tiny_params_dict()["base"]["seed"]) for _, model_file, _ in REFUSALS]
    originals = {path: path.read_bytes() for path in paths}
    metrics_files = [repo / f"reports/metrics/{stage.split('_')[0]}.json" for stage, _, _ in REFUSALS]
    metrics_before = [path.read_bytes() for path in metrics_files]
    processes: list[subprocess.Popen] = []
    try:
        for path in paths:
            model = keras.saving.load_model(path)
            for layer in model.layers:
                layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])
            model.save(path)
        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        processes += [
            subprocess.Popen([sys.executable, f"stages/{stage}.py"], cwd=repo, env=environment, **pipes)
            for stage, _, _ in REFUSALS
        ]
        outputs = [process.communicate(timeout=600) for process in processes]
    finally:
        for process in processes:  # none left running on the models put back, should one hang
            if process.poll() is None:
                process.kill()
                process.wait()
        for path, original in originals.items():
            path.write_bytes(original)
    for (stage, _, message), process, (stdout, stderr), metrics_file, before in zip(
        REFUSALS, processes, outputs, metrics_files, metrics_before, strict=True
    ):
        with subtests.test(stage=stage):
            assert process.returncode == 1, stdout[-2000:]
            assert re.search(message, stderr), stderr[-2000:]
            assert "Traceback" not in stderr
            assert metrics_file.read_bytes() == before


def test_logged_model_loads_back(repo: Path) -> None:
    import mlflow

    run = next(run for run in _mnist_runs(repo) if run.info.run_name == "cnn")
    mlflow.set_tracking_uri(f"sqlite:///{repo / 'mlflow.db'}")
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
    probabilities = np.asarray(model.predict(np.zeros((3, 28, 28, 1), dtype=np.float32)))
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def _ready_for_make(clone: Path, environment: dict[str, str]) -> None:
    """Give a clone this test run's environment, as set up already: `make setup` has nothing to do there.

    Its `.venv` and `.tools` are this environment's; the lock and pyproject.toml get the mtimes of the
    ones it was synced from (git gave them the clone's time), so make does not sync that shared
    environment again from the clone.
    """
    stamp = Path(sys.prefix) / ".synced-cpu"
    if not stamp.exists() or not (REPO_ROOT / ".tools" / "bin" / "uv").exists():
        pytest.skip(f"the reproduction runs make in the environment `make setup` builds, not {sys.prefix}")
    (clone / ".venv").symlink_to(sys.prefix)
    (clone / ".tools").symlink_to(REPO_ROOT / ".tools")
    for name in ("uv.lock", "pyproject.toml"):
        source = (REPO_ROOT / name).stat()
        os.utime(clone / name, ns=(source.st_atime_ns, source.st_mtime_ns))
    up_to_date = subprocess.run(["make", "-q", "setup", "EXTRAS=cpu"], cwd=clone, env=environment)
    assert up_to_date.returncode == 0, f"`make setup` would sync {sys.prefix} again: run `make setup` first"


def test_the_ci_reproduction_pulls_rebuilds_pushes_gates_and_reports(
    repo: Path, environment: dict[str, str], tmp_path: Path
) -> None:
    """.ci/reproduce, the reproduction job of .github/workflows/reproduce.yml without its cloud machine.

    Every step runs: what `dvc push` sent from the repository, a fresh clone pulls byte for byte,
    and `dvc repro` there has nothing to do (every stage's outputs are those its deps give); the
    gate holds the MLP to an accuracy no model reaches, so the job must fail on that metric alone,
    after writing its report.
    """
    remote = tmp_path / "remote"
    run_command(["dvc", "remote", "add", "--local", "-f", "reproduction", str(remote)], repo, environment)
    run_command(["dvc", "push", "-r", "reproduction"], repo, environment)
    clone = tmp_path / "clone"
    run_command(["git", "clone", "-q", str(repo), str(clone)], tmp_path, environment)
    _ready_for_make(clone, environment)
    # The allowances around the committed values, without the targets (the λ errors under 1 %, AirCalc's
    # speed): a tiny training does not meet them, and that is no failure to reproduce it.
    tolerances = clone / "tolerances.yaml"
    allowances = {
        project: {metric: rule for metric, rule in rules.items() if not {"at_most", "at_least"} & set(rule)}
        for project, rules in yaml.safe_load(tolerances.read_text()).items()
    }
    allowances["mnist"]["mlp.test_accuracy"] = {"at_least": 1.5, "why": "out of reach"}
    tolerances.write_text(yaml.safe_dump(allowances, allow_unicode=True))

    reproduction = {**environment, "EXTRAS": "cpu", "REDES_DVC_REMOTE": str(remote)}
    result = subprocess.run([".ci/reproduce", "main"], cwd=clone, env=reproduction, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Running stage" not in result.stdout  # everything came from the remote: nothing to rebuild
    for path in (
        "models/mnist/cnn/model.keras",
        "data/processed/mnist/mnist.npz",
        *(f"data/raw/mnist/{f}" for f in MNIST_FILES),
    ):
        assert (clone / path).read_bytes() == (repo / path).read_bytes(), path
    assert run_command(["dvc", "status"], clone, environment).stdout.strip() == "Data and pipelines are up to date."
    report = (clone / "reproduction.md").read_text()
    commit = run_command(["git", "rev-parse", "--short", "HEAD"], clone, environment).stdout.strip()
    assert report.startswith(f"# Reproduction of {commit}\n")
    assert "two trainings from one seed on CPU: identical" in report
    assert re.search(r"^\| mnist: cnn\.test_accuracy \|.*\| ok \|$", report, re.MULTILINE)
    assert re.search(r"^\| mnist: mlp\.test_accuracy \|.*\| ≥ 1\.5 \| MISS \|$", report, re.MULTILINE)
    assert "The reproduction fails the gate on 1 of" in report
    assert "No metric differs from main." in report and "No param differs from main." in report
    assert "![mnist/cnn_confusion.png](reports/figures/mnist/cnn_confusion.png)" in report


def test_queued_experiments_land_in_the_main_store(repo: Path, environment: dict[str, str]) -> None:
    """A queued `dvc exp` runs in a temporary copy; its MLflow run still lands in the repository's store."""
    before = {run.info.run_id for run in _mnist_runs(repo)}
    # Up to the evaluation, which must find the run: the report would only rebuild the same page around it.
    command = ["dvc", "exp", "run", "--queue", "mnist_evaluate", "-n", "mlp-1-epochs", "-S", "mnist.mlp.epochs=1"]
    run_command(command, repo, environment)
    run_command(["dvc", "exp", "run", "--run-all", "-j", "1"], repo, environment, timeout=900)
    (new,) = [run for run in _mnist_runs(repo) if run.info.run_id not in before]
    assert new.data.tags.get("dvc.exp_name") == "mlp-1-epochs" and new.info.run_name == "mlp"
    assert new.data.params["mnist.mlp.epochs"] == "1"
    assert "test.test_accuracy" in new.data.metrics  # the evaluate stage of the temporary copy found the run
    # README's view for comparing runs: only the columns that differ between the rows, no dependency hashes.
    compared = ["dvc", "exp", "show", "--csv", "--only-changed", "--drop", ".*/"]
    header, *rows = run_command(compared, repo, environment).stdout.splitlines()
    assert "mnist.mlp.epochs" in header.split(",") and "/" not in header
    assert any(row.startswith("mlp-1-epochs,") for row in rows)


def _kill_after_three_epochs(command: list[str], root: Path, environment: dict[str, str], history_glob: str) -> None:
    """Start a training stage and SIGKILL it once its backup's history (below `root`) logs 3 epochs."""
    process = subprocess.Popen(
        command, cwd=root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        history = next(root.glob(history_glob), None)
        if history is not None and len(history.read_text().splitlines()) > 3:  # header and 3 epochs
            break
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it could be interrupted"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_killed_training_resumes(repo: Path, environment: dict[str, str]) -> None:
    """Kill the training process mid-run, run the stage again: it continues from its backup, in the same MLflow run."""
    params = tiny_params_dict()
    params["mnist"]["mlp"].update(epochs=8, early_stopping_patience=8)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    runs_before = len(_mnist_runs(repo))
    command = [sys.executable, "stages/mnist_train.py", "mlp"]
    _kill_after_three_epochs(command, repo, environment, "checkpoints/mnist/mlp-*/history.csv")
    resumed = run_command(command, repo, environment)
    epoch_lines = re.findall(r"^Epoch (\d+)/8", resumed.stdout, flags=re.MULTILINE)
    assert epoch_lines and int(epoch_lines[0]) >= 3, resumed.stdout[:2000]
    assert len(_mnist_runs(repo)) == runs_before + 1  # the killed run and its continuation are one run
    final = pd.read_csv(repo / "reports/plots/mnist/mlp_history.csv")
    assert list(final["epoch"]) == list(range(1, 9))
    run_command(["git", "checkout", "--", "params.yaml"], repo, environment)


def test_killed_har_training_skips_finished_seeds(repo: Path, environment: dict[str, str]) -> None:
    """Kill `har_train@lstm` during its second seed: the rerun keeps the first seed and resumes the second."""
    params = tiny_params_dict()
    params["har"]["seeds"] = 2
    params["har"]["lstm"].update(epochs=6, early_stopping_patience=6)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    first, second = params["base"]["seed"], params["base"]["seed"] + 1
    runs_before = len(_runs(repo, "har"))
    command = [sys.executable, "stages/har_train.py", "lstm"]
    _kill_after_three_epochs(command, repo, environment, f"checkpoints/har/lstm-seed{second}-*/training/history.csv")
    resumed = run_command(command, repo, environment)
    assert f"lstm, seed {first}: trained by an earlier, interrupted run" in resumed.stdout
    epoch_lines = re.findall(r"^Epoch (\d+)/6", resumed.stdout, flags=re.MULTILINE)
    assert epoch_lines and int(epoch_lines[0]) >= 3, resumed.stdout[:2000]
    assert len(_runs(repo, "har")) == runs_before + 2  # one run per seed, the killed one continued
    for seed in (first, second):
        history = pd.read_csv(repo / f"reports/plots/har/lstm/seed_{seed}.csv")
        assert list(history["epoch"]) == list(range(1, 7))
    assert not list((repo / "checkpoints/har").iterdir())
    run_command(["git", "checkout", "--", "params.yaml"], repo, environment)


def test_a_tracking_failure_after_training_keeps_the_training(repo: Path, environment: dict[str, str]) -> None:
    """The artifact store fails once the model is trained: the stage says so in one paragraph, publishes nothing
    and keeps its backup; run again, it logs and saves that model without training it again."""
    command = [sys.executable, "stages/mnist_train.py", "mlp"]
    model_dir, history = repo / "models/mnist/mlp", repo / "reports/plots/mnist/mlp_history.csv"
    shutil.rmtree(model_dir)  # DVC deletes a stage's outputs before running it
    history.unlink()
    artifacts, aside = repo / "mlartifacts", repo / "mlartifacts.aside"
    artifacts.rename(aside)
    artifacts.write_text("a file where the artifact folder should be")
    try:
        failed = subprocess.run(command, cwd=repo, env=environment, capture_output=True, text=True)
    finally:
        artifacts.unlink()
        aside.rename(artifacts)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "could not write to the MLflow artifact store" in failed.stderr, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr
    assert not (model_dir / "model.keras").exists() and not history.exists()
    assert list(repo.glob("checkpoints/mnist/mlp-*/backup.npz"))
    again = run_command(command, repo, environment)
    assert not re.search(r"^Epoch \d+/", again.stdout, flags=re.MULTILINE), again.stdout[-2000:]  # nothing retrained
    assert (model_dir / "model.keras").stat().st_size > 0 and history.exists()
    assert not list(repo.glob("checkpoints/mnist/mlp-*"))
