"""The git state an MLflow run and the report record: pipeline outputs changing mid-run are not dirty code."""

from __future__ import annotations

from pathlib import Path

from redes.provenance import git_state
from tests.helpers.workspace import commit_all, pipeline_environment, run_command


def test_only_code_changes_make_the_checkout_dirty(tmp_path: Path) -> None:
    environment = pipeline_environment()
    run_command(["git", "init", "-q", "-b", "main"], tmp_path, environment)
    for name in ("dvc.lock", "reports/summary.md", "src/model.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("first\n")
    commit_all(tmp_path, environment, "first")
    commit = run_command(["git", "rev-parse", "HEAD"], tmp_path, environment).stdout.strip()
    assert git_state(tmp_path) == (commit, False)
    (tmp_path / "dvc.lock").write_text("updated by dvc repro\n")
    (tmp_path / "reports/summary.md").write_text("rewritten by the report stage\n")
    assert git_state(tmp_path) == (commit, False)
    (tmp_path / "src/model.py").write_text("edited\n")
    assert git_state(tmp_path) == (commit, True)


def test_outside_git_the_state_is_unknown(tmp_path: Path) -> None:
    assert git_state(tmp_path) == ("unknown", True)
