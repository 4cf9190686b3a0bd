"""Temporary copies of the repository, for tests that run the real pipeline with real DVC."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.helpers import REPO_ROOT


def run_command(
    args: list[str], cwd: Path, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, the assertion shows the end of its output."""
    result = subprocess.run(args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def pipeline_environment(**variables: str) -> dict[str, str]:
    """This process's environment without DVC, MLflow and redes settings, with the venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_", "REDES_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        DVC_NO_ANALYTICS="1",
        MLFLOW_DISABLE_TELEMETRY="true",
        GIT_AUTHOR_NAME="redes tests",
        GIT_AUTHOR_EMAIL="tests@redes.invalid",
        GIT_COMMITTER_NAME="redes tests",
        GIT_COMMITTER_EMAIL="tests@redes.invalid",
    )
    env.update(variables)
    return env


def copy_repository(destination: Path, env: Mapping[str, str]) -> Path:
    """A new git repository holding the files git would check out here, without results of earlier runs."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file() and not name.startswith(("reports/", "benchmarks/")) and name != "dvc.lock":
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    run_command(["git", "init", "-q", "-b", "main"], destination, env)
    return destination


def commit_all(root: Path, env: Mapping[str, str], message: str) -> None:
    run_command(["git", "add", "-A"], root, env)
    run_command(["git", "commit", "-q", "-m", message], root, env)
