"""A failed download's advice, followed to the letter, makes the real `dvc repro` of the download stage pass.

DVC deletes a stage's outputs before running it, so advice to put the file into data/raw would
be undone unseen; this runs the stage through DVC in a temporary copy of the repository to hold
the advice to what works there. No network: the public URL goes to a proxy nobody listens on.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from redes.fetch import sha256_of
from tests.helpers.advice import follow_download_advice
from tests.helpers.synthetic import write_burgers_mat
from tests.helpers.workspace import copy_repository, pipeline_environment, run_command

NOBODY = "http://127.0.0.1:9"  # the discard port: connection refused, at once


def test_following_the_advice_makes_the_download_stage_pass(tmp_path: Path) -> None:
    # The published file is a small synthetic one, its hash given through a catalog override.
    published = write_burgers_mat(tmp_path / "published" / "burgers_shock.mat", x_points=64, t_points=20)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(
        json.dumps({"pinn": {published.name: {"sha256": sha256_of(published), "size": published.stat().st_size}}})
    )
    env = pipeline_environment(
        REDES_DATA_CATALOG=str(catalog), http_proxy=NOBODY, https_proxy=NOBODY, no_proxy="", NO_PROXY=""
    )
    root = copy_repository(tmp_path / "repo", env)  # no REDES_DATA_MIRROR: a student offline, no mirror yet

    failed = subprocess.run(["dvc", "repro", "pinn_download"], cwd=root, env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "Fix:" in failed.stderr, failed.stderr
    env.update(follow_download_advice(failed.stderr, published, tmp_path / "my-mirror"))

    run_command(["dvc", "repro", "pinn_download"], root, env)
    assert (root / "data/raw/pinn/burgers_shock.mat").read_bytes() == published.read_bytes()
