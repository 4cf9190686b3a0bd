"""The committed results are those of the committed pipeline, and README quotes them exactly."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import PurePosixPath

import pandas as pd
import pytest
import yaml

from redes.har.params import HAR_MODELS
from redes.mnist.params import MNIST_MODELS
from tests.helpers import REPO_ROOT

LOCK = REPO_ROOT / "dvc.lock"

pytestmark = pytest.mark.skipif(not LOCK.exists(), reason="no dvc.lock yet: nothing has been reproduced")


def _locked_outputs() -> dict[str, str]:
    lock = yaml.safe_load(LOCK.read_text())
    return {out["path"]: out.get("md5", "") for stage in lock["stages"].values() for out in stage.get("outs", [])}


def _readme_block(marker: str) -> re.Match:
    """README's text between `<!-- marker:start -->` and `<!-- marker:end -->`, as group 1."""
    block = re.search(
        rf"<!-- {marker}:start -->(.*)<!-- {marker}:end -->", (REPO_ROOT / "README.md").read_text(), re.DOTALL
    )
    assert block is not None, f"README has no {marker} block"
    return block


@pytest.mark.parametrize(
    "path",
    [
        "reports/metrics/foundations.json",
        "reports/runs/foundations.json",
        "reports/metrics/mnist.json",
        "reports/runs/mnist.json",
        "reports/metrics/aircalc.json",
        "reports/runs/aircalc.json",
        "reports/metrics/har.json",
        "reports/runs/har.json",
        "reports/metrics/aging.json",
        "reports/runs/aging.json",
        "reports/metrics/pinn.json",
        "reports/runs/pinn.json",
        "reports/summary.md",
    ],
)
def test_committed_file_is_the_one_dvc_lock_names(path: str) -> None:
    digest = hashlib.md5((REPO_ROOT / path).read_bytes()).hexdigest()  # noqa: S324 (DVC's own checksum)
    assert _locked_outputs()[path] == digest, f"{path} differs from the `dvc repro` that dvc.lock records"


def test_every_committed_result_is_an_output_dvc_lock_names() -> None:
    """No file left over from an older pipeline sits among the results, where it would read as a current one.

    Under data/, models/ and reports/ git holds the stages' outputs, the `make benchmark` results
    (reports/benchmarks/, no stage of the pipeline) and the .gitignore files DVC writes.
    """
    outputs = [path.rstrip("/") for path in _locked_outputs()]
    committed = subprocess.run(
        ["git", "ls-files", "data", "models", "reports"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    left_over = [
        path
        for path in committed
        if not any(path == output or path.startswith(f"{output}/") for output in outputs)
        and not path.startswith("reports/benchmarks/")
        and PurePosixPath(path).name != ".gitignore"
    ]
    assert committed and not left_over, f"committed but produced by no stage in dvc.lock: {left_over}"


def test_readme_quotes_the_metrics() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/mnist.json").read_text())
    block = _readme_block("results")
    for model in MNIST_MODELS:
        row = next(line for line in block.group(1).splitlines() if line.startswith(f"| {model.upper()} "))
        assert f"{metrics[model]['test_accuracy']:.2%}" in row
        assert f"{metrics[model]['macro_f1']:.4f}" in row


def test_readme_quotes_the_foundations_checks() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/foundations.json").read_text())
    block = _readme_block("foundations")
    total = len(pd.read_csv(REPO_ROOT / "reports/tables/foundations/checks.csv"))
    assert f"{metrics['checks_passed']} of {total} checks pass" in block.group(1)
    gan = metrics["gan"]
    assert f"{gan['wasserstein_untrained']:.3f} to {gan['wasserstein_trained']:.3f}" in block.group(1)


def test_readme_quotes_the_aircalc_results() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/aircalc.json").read_text())
    block = _readme_block("aircalc")
    text = block.group(1)
    symbols, expressions = metrics["symbols"], metrics["expressions"]
    assert f"| symbols: test accuracy over the 14 classes | {symbols['test_accuracy']:.2%} |" in text
    recall = pd.read_csv(REPO_ROOT / "reports/tables/aircalc/per_class_recall.csv", dtype=str).set_index("symbol")
    for operator in ("+", "-", "×", "÷"):
        assert f"{operator} {float(recall.loc[operator, 'recall']):.2%}" in text, operator
    assert f"| composed test expressions: exact match | {expressions['exact_match']:.2%} |" in text
    assert f"| composed test expressions: value accuracy | {expressions['value_accuracy']:.2%} |" in text
    assert f"| {metrics['latency_ms_per_expression']:.1f} ms |" in text
    assert f"| {metrics['camera_fps']:.0f} frames/s |" in text


def test_readme_quotes_the_aircalc_benchmark() -> None:
    path = REPO_ROOT / "reports/benchmarks/aircalc.json"
    if not path.exists():
        pytest.skip("no benchmark results committed")
    results = json.loads(path.read_text())
    block = _readme_block("benchmark:aircalc")
    for route in ("tesseract", "ours"):
        row = f"| {results[route]['exact_match']:.2%} | {results[route]['ms_per_expression']:.1f} ms |"
        assert row in block.group(1), route


def test_readme_quotes_the_har_results() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/har.json").read_text())
    block = _readme_block("har")
    for model in (*HAR_MODELS, "baseline"):
        row = next(line for line in block.group(1).splitlines() if line.startswith(f"| `{model}` "))
        entry = metrics[model]
        assert f"{entry['test_accuracy_mean']:.2%} ± {entry['test_accuracy_std']:.2%}" in row, model
        assert f"{entry['macro_f1_mean']:.4f}" in row, model


def test_readme_quotes_the_aging_results() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/aging.json").read_text())
    text = _readme_block("aging").group(1)
    judge, aging = metrics["estimator"], metrics["aging"]
    assert f"| age estimator: MAE on real test faces | {judge['test_mae']:.2f} years |" in text
    assert f"| aged test faces read in the target age group | {aging['group_accuracy']:.2%} |" in text
    assert f"| aged test faces within one group of the target | {aging['group_accuracy_within_one']:.2%} |" in text
    assert f"| age order: Spearman's ρ per face, mean | {aging['spearman_mean']:.3f} |" in text
    assert f"| reconstruction at the face's own group: SSIM | {aging['reconstruction_ssim']:.3f} |" in text
    assert f"| reconstruction: PSNR | {aging['reconstruction_psnr']:.2f} dB |" in text
    assert f"| {aging['frechet_estimator_features']:.3g} |" in text


def test_readme_quotes_the_pinn_results() -> None:
    metrics = json.loads((REPO_ROOT / "reports/metrics/pinn.json").read_text())
    block = _readme_block("pinn")
    text = block.group(1)
    forward = metrics["forward"]
    assert f"relative L2 **{forward['rel_l2']:.2e}** after {forward['train_seconds']:.0f} s" in text
    for case, label in (("clean", "clean data"), ("noisy", "1 % noise")):
        entry = metrics["inverse"][case]
        row = next(line for line in text.splitlines() if line.startswith(f"| inverse, {label} "))
        assert f"λ₁ = {entry['lambda1']:.5f} ({100 * entry['lambda1_rel_error']:.2g} %)" in row, case
        assert f"λ₂ = {entry['lambda2']:.6f} ({100 * entry['lambda2_rel_error']:.2g} %)" in row, case
    assert f"{metrics['reference']['cole_hopf_max_abs_diff']:.1e}" in text


@pytest.mark.parametrize("project", ["mnist", "har"])
def test_readme_quotes_the_benchmark(project: str) -> None:
    path = REPO_ROOT / f"reports/benchmarks/{project}.json"
    if not path.exists():
        pytest.skip("no benchmark results committed")
    results = json.loads(path.read_text())
    block = _readme_block(f"benchmark:{project}")
    for recipe in ("reference", "ours"):
        assert f"| {results[recipe]['test_accuracy']:.2%} | {results[recipe]['train_seconds']:.0f} s |" in block.group(
            1
        )


def test_readme_quotes_the_aging_benchmark() -> None:
    path = REPO_ROOT / "reports/benchmarks/aging.json"
    if not path.exists():
        pytest.skip("no benchmark results committed")
    results = json.loads(path.read_text())
    block = _readme_block("benchmark:aging").group(1)
    for recipe in ("plain", "ours"):
        entry = results[recipe]
        row = next(line for line in block.splitlines() if line.startswith(f"| {recipe} "))
        cells = (
            f"{entry['group_accuracy']:.2%}",
            f"{entry['group_accuracy_within_one']:.2%}",
            f"{entry['spearman_mean']:.3f}",
            f"{entry['reconstruction_ssim']:.3f}",
            f"{entry['reconstruction_psnr']:.2f} dB",
            f"{entry['frechet_estimator_features']:.3g}",
            f"{entry['train_seconds'] / 60:.1f} min",
        )
        assert all(f"| {cell} |" in row for cell in cells), row


def test_readme_quotes_the_pinn_benchmark() -> None:
    path = REPO_ROOT / "reports/benchmarks/pinn.json"
    if not path.exists():
        pytest.skip("no benchmark results committed")
    results = json.loads(path.read_text())
    block = _readme_block("benchmark:pinn")
    assert {"reference", "ours"} <= set(results), "reports/benchmarks/pinn.json lacks the reference or ours"
    for recipe in ("reference", "ours", "deepxde"):
        if recipe not in results:
            continue
        assert f"| {results[recipe]['rel_l2']:.2e} | {results[recipe]['train_seconds']:.0f} s |" in block.group(1)
