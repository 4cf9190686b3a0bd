"""What every stage does first: find its workspace, load and validate params, seed.

Stages are thin shells around the library; this is the one place that reads the
process environment for them (DVC's and MLflow's variables) and turns the
library's errors into a one-paragraph message and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from redes.config import Params, load_params
from redes.errors import RedesError
from redes.paths import Workspace
from redes.schema import Section
from redes.seeding import seed_everything


@dataclass(frozen=True)
class StageContext:
    workspace: Workspace  # where this stage reads and writes (a temporary copy under `dvc exp run --temp`)
    params: Params
    store_root: Path  # the user's repository: home of the default MLflow store
    tracking_uri: str | None
    dvc_stage: str | None
    dvc_exp_name: str | None
    data_mirror: str | None  # REDES_DATA_MIRROR: a folder or base URL laid out as <dataset>/<file>
    data_catalog: Path | None  # REDES_DATA_CATALOG: hash overrides (see redes.sources)


def start_stage(
    sections: Mapping[str, type[Section]],
    environ: Mapping[str, str] = os.environ,
    *,
    keras_backend: bool = True,
    whole: bool = False,
) -> StageContext:
    """Load `base` and the stage's own params `sections` (failing on a bad key before any work), then seed.

    `whole` checks every section of params.yaml and refuses unknown ones (the report's stage, which shows them all).

    A stage whose library modules load TensorFlow imports them after this call, so a bad key
    fails in about a second rather than after TensorFlow's import (tests/core/test_config.py holds it).
    """
    workspace = Workspace(Path.cwd())
    params = load_params(workspace.params_file, sections, whole=whole)
    seed_everything(params.base.seed, params.base.deterministic, keras_backend=keras_backend)
    return StageContext(
        workspace=workspace,
        params=params,
        store_root=Path(environ.get("DVC_ROOT") or workspace.root),
        tracking_uri=environ.get("MLFLOW_TRACKING_URI") or None,
        dvc_stage=environ.get("DVC_STAGE"),
        dvc_exp_name=environ.get("DVC_EXP_NAME"),
        data_mirror=environ.get("REDES_DATA_MIRROR") or None,
        data_catalog=Path(environ["REDES_DATA_CATALOG"]) if environ.get("REDES_DATA_CATALOG") else None,
    )


def run_stage(main: Callable[[list[str]], None]) -> None:
    """Run a stage's main; expected failures print their message and exit 1 without a traceback."""
    try:
        main(sys.argv[1:])
    except RedesError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
