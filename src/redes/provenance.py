"""Where a result came from: git commit, DVC stage and experiment, data hashes, machine."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from redes.fetch import sha256_of

LIBRARIES = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "scikit-learn", "scipy", "pandas", "dvc", "mlflow")


def git_state(root: Path) -> tuple[str, bool]:
    """(commit, dirty) of the checkout at `root`; ("unknown", True) outside git.

    Dirty means changed tracked files other than the pipeline's outputs.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            # The pipeline's own outputs (dvc.lock, reports/) change while it runs; they do not make the code dirty.
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":(exclude)dvc.lock",
                ":(exclude)reports",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True
    return commit, bool(status.strip())


def data_hashes(paths: list[Path]) -> dict[str, str]:
    """sha256 of each data file, by file name."""
    return {path.name: sha256_of(path) for path in paths}


def run_tags(
    root: Path, dvc_stage: str | None, dvc_exp_name: str | None, data_sha256: dict[str, str]
) -> dict[str, str]:
    """Tags that tie an MLflow run to the code, pipeline stage and exact data behind it."""
    commit, dirty = git_state(root)
    tags = {"git.commit": commit, "git.dirty": str(dirty).lower(), "dvc.stage": dvc_stage or "(run outside dvc)"}
    if dvc_exp_name:
        tags["dvc.exp_name"] = dvc_exp_name
    for name, digest in data_sha256.items():
        tags[f"data.sha256.{name}"] = digest
    return tags


# What a logged Keras model needs to be loaded back elsewhere (whichever TensorFlow build is installed).
MODEL_REQUIREMENTS = ("keras", "tensorflow-cpu", "tensorflow", "numpy")


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed version of each of `names` (those not installed are left out)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
