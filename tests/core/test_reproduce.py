"""The reproduction gate on constructed metrics files (within, outside, missing, new, NaN), and tolerances.yaml."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from redes.reproduce import ToleranceError, check, committed_metrics, load_tolerances, numbers, workspace_metrics
from tests.helpers import REPO_ROOT
from tests.helpers.workspace import commit_all, pipeline_environment, run_command

TOLERANCES = """\
mnist:
  cnn.test_accuracy: {absolute: 0.0015, why: 15 digits}
har:
  lstm.test_accuracy_mean: {stds: 1, std: lstm.test_accuracy_std, why: a mean over seeds}
pinn:
  forward.rel_l2: {factor: 3, why: BFGS amplifies the last bits}
  inverse.clean.lambda1_rel_error: {at_most: 0.01, why: the anchor}
"""
COMMITTED = {
    "mnist": {"cnn": {"test_accuracy": 0.9948, "test_errors": 52}},
    "har": {"lstm": {"test_accuracy_mean": 0.9619, "test_accuracy_std": 0.0078}},
    "pinn": {"forward": {"rel_l2": 2.09e-4}, "inverse": {"clean": {"lambda1_rel_error": 2.8e-6}}},
}


def _repository(root: Path, committed: dict, now: dict) -> None:
    """A git repository: `committed` as HEAD's reports/metrics/<project>.json, `now` as the work tree's."""
    root.mkdir(exist_ok=True)
    environment = pipeline_environment()
    run_command(["git", "init", "-q", "-b", "main"], root, environment)
    (root / "tolerances.yaml").write_text(TOLERANCES)
    folder = root / "reports" / "metrics"
    folder.mkdir(parents=True)
    for project, metrics in committed.items():
        (folder / f"{project}.json").write_text(json.dumps(metrics))
    commit_all(root, environment, "committed results")
    for path in folder.glob("*.json"):
        path.unlink()
    for project, metrics in now.items():
        (folder / f"{project}.json").write_text(json.dumps(metrics))  # NaN as JSON's NaN, as json.dump writes it


def _with(metrics: dict, project: str, path: str, value: object) -> dict:
    changed = json.loads(json.dumps(metrics))
    *parents, leaf = path.split(".")
    node = changed[project]
    for key in parents:
        node = node.setdefault(key, {})
    if value is None:
        del node[leaf]
    else:
        node[leaf] = value
    return changed


def _verdicts(tmp_path: Path, now: dict) -> dict[str, str]:
    _repository(tmp_path, COMMITTED, now)
    rows = check(
        committed_metrics(tmp_path, "HEAD"), workspace_metrics(tmp_path), load_tolerances(tmp_path / "tolerances.yaml")
    )
    return {row.metric: row.verdict for row in rows}


def test_a_reproduction_within_every_allowance_passes(tmp_path: Path) -> None:
    now = _with(COMMITTED, "mnist", "cnn.test_accuracy", 0.9936)  # 0.12 pp lower: within 0.15
    now = _with(now, "har", "lstm.test_accuracy_mean", 0.9550)  # 0.69 pp lower: within one std (0.78)
    now = _with(now, "pinn", "forward.rel_l2", 5.9e-4)  # ×2.8
    now = _with(now, "pinn", "inverse.clean.lambda1_rel_error", 0.009)  # under its target, far from the committed
    assert set(_verdicts(tmp_path, now).values()) == {"ok"}


@pytest.mark.parametrize(
    ("project", "metric", "value"),
    [
        ("mnist", "cnn.test_accuracy", 0.9932),  # 0.16 pp lower
        ("mnist", "cnn.test_accuracy", 0.9964),  # better counts too: a reproduction is not an improvement
        ("har", "lstm.test_accuracy_mean", 0.9540),  # 0.79 pp: more than one std
        ("pinn", "forward.rel_l2", 6.3e-5),  # more than three times smaller
        ("pinn", "forward.rel_l2", 6.3e-4),
        ("pinn", "inverse.clean.lambda1_rel_error", 0.0101),
    ],
)
def test_a_metric_outside_its_allowance_misses(tmp_path: Path, project: str, metric: str, value: float) -> None:
    verdicts = _verdicts(tmp_path, _with(COMMITTED, project, metric, value))
    assert verdicts.pop(f"{project}: {metric}") == "MISS"
    assert set(verdicts.values()) == {"ok"}


def test_a_declared_metric_gone_from_the_reproduction_is_missing(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, _with(COMMITTED, "pinn", "forward.rel_l2", None))
    assert verdicts["pinn: forward.rel_l2"] == "missing"


def test_an_undeclared_committed_metric_that_disappeared_fails_too(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, _with(COMMITTED, "mnist", "cnn.test_errors", None))
    assert verdicts["mnist: cnn.test_errors"] == "missing"


def test_a_whole_metrics_file_gone_fails_every_metric_of_it(tmp_path: Path) -> None:
    now = {project: metrics for project, metrics in COMMITTED.items() if project != "har"}
    verdicts = _verdicts(tmp_path, now)
    assert verdicts["har: lstm.test_accuracy_mean"] == "missing"
    assert verdicts["har: lstm.test_accuracy_std"] == "missing"


def test_a_metric_new_since_the_commit_passes_as_new(tmp_path: Path) -> None:
    committed = _with(COMMITTED, "pinn", "forward.rel_l2", None)
    _repository(tmp_path, committed, COMMITTED)
    rows = check(
        committed_metrics(tmp_path, "HEAD"), workspace_metrics(tmp_path), load_tolerances(tmp_path / "tolerances.yaml")
    )
    (row,) = [row for row in rows if row.metric == "pinn: forward.rel_l2"]
    assert (row.verdict, row.committed, row.now, row.fails) == ("new", None, 2.09e-4, False)


def test_nan_fails_now_or_committed(tmp_path: Path) -> None:
    verdicts = _verdicts(tmp_path, _with(COMMITTED, "mnist", "cnn.test_accuracy", math.nan))
    assert verdicts["mnist: cnn.test_accuracy"] == "NaN"
    # Committed NaNs: a NaN value cannot be reproduced, and a NaN spread leaves no allowance to judge by.
    committed = _with(_with(COMMITTED, "pinn", "forward.rel_l2", math.nan), "har", "lstm.test_accuracy_std", math.nan)
    _repository(tmp_path / "committed", committed, COMMITTED)
    tolerances = load_tolerances(tmp_path / "committed" / "tolerances.yaml")
    rows = check(
        committed_metrics(tmp_path / "committed", "HEAD"), workspace_metrics(tmp_path / "committed"), tolerances
    )
    verdicts = {row.metric: row.verdict for row in rows}
    assert verdicts["pinn: forward.rel_l2"] == verdicts["har: lstm.test_accuracy_mean"] == "NaN"


def test_the_command_prints_one_table_and_exits_non_zero_on_a_miss(tmp_path: Path) -> None:
    _repository(tmp_path, COMMITTED, _with(COMMITTED, "mnist", "cnn.test_accuracy", 0.99))
    result = subprocess.run(
        [sys.executable, "-m", "redes.cli", "reproduce", "check", "--markdown", "gate.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0] == "| metric | committed | now | allowed | verdict |"
    assert "| mnist: cnn.test_accuracy | 0.9948 | 0.99 | ±0.0015: 0.9933 to 0.9963 | MISS |" in result.stdout
    assert "fails the gate on 1 of" in result.stdout
    assert (tmp_path / "gate.md").read_text().strip() == result.stdout.strip()


def test_a_revision_without_results_is_named(tmp_path: Path) -> None:
    _repository(tmp_path, COMMITTED, COMMITTED)
    with pytest.raises(Exception, match="nosuchrev"):
        committed_metrics(tmp_path, "nosuchrev")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{absolute: 0.1, factor: 2, why: two rules}", "exactly one of"),
        ("{why: no rule}", "exactly one of"),
        ("{stds: 1, why: no spread named}", "stds and std go together"),
        ("{factor: 0.5, why: shrinking}", "factor must be at least 1"),
        ("{absolute: 0.1}", "why"),
        ("{absolute: 0.1, why: x, tolerance: 2}", "tolerance"),
    ],
)
def test_a_bad_tolerance_names_its_entry(tmp_path: Path, rule: str, message: str) -> None:
    path = tmp_path / "tolerances.yaml"
    path.write_text(f"mnist:\n  cnn.test_accuracy: {rule}\n")
    with pytest.raises(ToleranceError, match=r"mnist cnn\.test_accuracy") as error:
        load_tolerances(path)
    assert message in str(error.value)


def test_the_committed_tolerances_cover_every_project_and_name_committed_metrics() -> None:
    tolerances = load_tolerances(REPO_ROOT / "tolerances.yaml")
    committed = workspace_metrics(REPO_ROOT)
    assert set(tolerances) == set(committed)
    for project, allowances in tolerances.items():
        for metric, rule in allowances.items():
            assert metric in committed[project], f"tolerances.yaml: {project} has no metric {metric}"
            assert rule.std is None or rule.std in committed[project], f"tolerances.yaml: {project} has no {rule.std}"


def test_the_committed_results_pass_their_own_gate() -> None:
    committed = workspace_metrics(REPO_ROOT)
    rows = check(committed, committed, load_tolerances(REPO_ROOT / "tolerances.yaml"))
    assert [row for row in rows if row.fails] == []


def test_numbers_are_the_numeric_leaves() -> None:
    assert numbers({"a": {"b": 1, "c": True, "d": "7-1", "e": [640, 480]}, "f": 0.5}) == {
        "a.b": 1.0,
        "a.c": 1.0,
        "f": 0.5,
    }
