"""A foundations check that fails makes its stage fail, naming the check, and records the failure.

Apart from the pipeline smoke test (tests/pipeline/test_pipeline.py) so that it runs beside it:
it needs its own copy of the repository, not the smoke test's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from tests.helpers import tiny_params_dict
from tests.helpers.workspace import copy_repository, pipeline_environment


def test_a_failed_check_fails_the_stage_and_names_it(tmp_path: Path) -> None:
    environment = pipeline_environment()
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
    table = pd.read_csv(root / "reports/tables/foundations/checks.csv").set_index("check")
    assert not table.loc["linear_stochastic_gradient_descent", "passed"]
    assert json.loads((root / "reports/metrics/foundations.json").read_text())["worst_error_ratio"] > 1
