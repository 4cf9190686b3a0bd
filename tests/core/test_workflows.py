"""The GitHub Actions workflows: linted, running README's own commands, their secrets named in one place."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CI_SCRIPTS = (REPO_ROOT / ".ci" / "run", REPO_ROOT / ".ci" / "reproduce")
# actionlint and shellcheck come with the dev dependencies, in this environment's bin folder.
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `make setup` installs it with the dev dependencies")
    return path


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _make_targets(shell: str) -> set[str]:
    """The targets of each `make TARGET` in a piece of shell."""
    return set(re.findall(r"^\s*make\s+([a-z][a-z-]*)", shell, re.MULTILINE))


def _steps(workflow: dict, job: str) -> str:
    return "\n".join(step.get("run", "") for step in workflow["jobs"][job]["steps"])


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    result = subprocess.run(
        [_tool("actionlint"), "-shellcheck", _tool("shellcheck"), "-no-color"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_finds_nothing_in_the_ci_scripts() -> None:
    result = subprocess.run([_tool("shellcheck"), *map(str, CI_SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_jobs_run_the_make_targets_readme_gives() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    two_commands = re.search(r"## The two commands.*?```bash\n(.*?)```", readme, re.DOTALL)
    assert two_commands is not None, "README has no block of its two commands"
    assert _make_targets(two_commands.group(1)) == {"repro", "test"}
    documented = _make_targets("\n".join(re.findall(r"```bash\n(.*?)```", readme, re.DOTALL)))

    # The test job runs .ci/run, which runs `make test`.
    assert _steps(_workflow("test.yml"), "test").strip() == ".ci/run"
    assert _make_targets(CI_SCRIPTS[0].read_text()) == {"test"}

    # The reproduction job runs .ci/reproduce, which sets up and rebuilds with README's targets only,
    # and never calls `dvc repro` itself: `make repro` is the one way the pipeline runs.
    reproduction = _steps(_workflow("reproduce.yml"), "reproduce")
    assert re.search(r"^\.ci/reproduce\b", reproduction, re.MULTILINE)
    script = CI_SCRIPTS[1].read_text()
    assert _make_targets(script) == {"setup", "repro"}
    assert _make_targets(script) <= documented
    for shell in (reproduction, script):
        commands = "\n".join(line for line in shell.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"dvc\"?\s+repro", commands), "the reproduction must rebuild through `make repro`"


def test_secrets_are_named_once_at_the_top_of_the_reproduction() -> None:
    workflow = _workflow("reproduce.yml")
    named = {name: value for name, value in workflow["env"].items() if "secrets." in str(value)}
    assert {"REPO_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MLFLOW_TRACKING_URI"} <= set(named)
    for name, value in named.items():
        assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", value), f"{name}: a secret goes into env as it is"
    assert "secrets." not in yaml.safe_dump(workflow["jobs"]), "jobs read secrets from the env above, not by name"
    assert "secrets." not in (WORKFLOWS / "test.yml").read_text()
    for script in CI_SCRIPTS:
        assert "set -x" not in script.read_text(), f"{script.name} would print the secrets it is given"


def test_the_machine_is_chosen_by_workflow_inputs() -> None:
    workflow = _workflow("reproduce.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert {"cloud", "region", "instance_type", "spot", "timeout_minutes"} <= set(inputs)
    launch = workflow["jobs"]["launch-runner"]["steps"][-1]
    assert "cml runner launch" in launch["run"]
    for flag, variable in (("--cloud", "CLOUD"), ("--cloud-region", "REGION"), ("--cloud-type", "INSTANCE_TYPE")):
        assert f'{flag}="${variable}"' in launch["run"]
        assert f"inputs.{variable.lower()}" in launch["env"][variable]
    assert "timeout_minutes" in str(workflow["jobs"]["reproduce"]["timeout-minutes"])
    assert triggers["push"]["branches"] == ["main"] and triggers["pull_request"]["types"] == ["labeled"]
