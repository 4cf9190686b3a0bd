"""dvc.yaml matches the code: each stage's deps cover what it runs, and each foreach stage trains the listed models.

Each stage's `redes` modules are found by following the imports (top-level and inside
functions alike) from its script in `stages/`; every one of their files must be a dep of
the stage, itself or through a folder that holds it.
"""

from __future__ import annotations

import ast
import shlex
from pathlib import Path

import pytest
import yaml

from redes.har.params import HAR_MODELS
from redes.mnist.params import MNIST_MODELS
from redes.pinn.params import PINN_CASES
from tests.helpers import REPO_ROOT

SOURCE = REPO_ROOT / "src"


def _module_file(module: str) -> Path | None:
    """The file of a `redes` module or package, or None when `module` names something inside a module."""
    base = SOURCE.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    """Every `redes` module an import in `path` loads, with the packages above it."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from redes.a import b` loads redes.a, and redes.a.b too when b is a module.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "redes":
                modules.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return {module for module in modules if _module_file(module) is not None}


def code_files(script: Path) -> set[Path]:
    """`script` and every `redes` source file it loads, directly or through other modules."""
    files, pending = {script}, [script]
    while pending:
        for module in _imported_modules(pending.pop()):
            file = _module_file(module)
            if file not in files:
                files.add(file)
                pending.append(file)
    return files


def _stages() -> dict[str, dict]:
    """Every stage of dvc.yaml, a `foreach` stage once per item (its script is the same for all)."""
    stages = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"]
    return {name: stage.get("do", stage) for name, stage in stages.items()}


def _script(stage: dict) -> Path:
    command = shlex.split(stage["cmd"])
    assert command[:1] == ["python"] and command[1].startswith("stages/"), f"not a stage script: {stage['cmd']}"
    return REPO_ROOT / command[1]


def uncovered(stage: dict) -> list[str]:
    """The files the stage's code loads that none of its deps covers."""
    deps = [REPO_ROOT / dep for dep in stage.get("deps", [])]
    return sorted(
        str(file.relative_to(REPO_ROOT))
        for file in code_files(_script(stage))
        if not any(file == dep or dep in file.parents for dep in deps)
    )


@pytest.mark.parametrize("name", sorted(_stages()))
def test_stage_deps_cover_its_code(name: str) -> None:
    missing = uncovered(_stages()[name])
    assert not missing, f"dvc.yaml stage {name} runs code it does not list in deps: add {missing}"


def test_a_removed_dep_is_caught() -> None:
    stage = dict(_stages()["mnist_train"])
    assert uncovered(stage) == []
    stage["deps"] = [dep for dep in stage["deps"] if dep != "src/redes/training.py"]
    assert uncovered(stage) == ["src/redes/training.py"]


def test_imports_inside_functions_count() -> None:
    """tracking.py imports mlflow.keras inside a method; redes modules imported that way are followed too."""
    files = {str(file.relative_to(REPO_ROOT)) for file in code_files(REPO_ROOT / "stages" / "mnist_evaluate.py")}
    assert {"src/redes/tracking.py", "src/redes/provenance.py", "src/redes/fetch.py"} <= files


@pytest.mark.parametrize(
    ("stage", "names"), [("mnist_train", MNIST_MODELS), ("har_train", HAR_MODELS), ("pinn_train", PINN_CASES)]
)
def test_foreach_stages_train_the_models_the_schema_lists(stage: str, names: tuple[str, ...]) -> None:
    """The model lists exist once, in each project's params.py; dvc.yaml trains exactly those."""
    foreach = yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"][stage]["foreach"]
    assert list(foreach) == list(names)
