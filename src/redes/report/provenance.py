"""Provenance tables shared by every section: params, data files, code and machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redes import provenance
from redes.paths import Workspace
from redes.report.document import Section, Table, Text
from redes.sources import SOURCES


def params_table(flat_params: Mapping[str, Any]) -> Table:
    return Table(("param", "value"), tuple((f"`{key}`", str(value)) for key, value in flat_params.items()))


# A file with no public copy of these bytes (see shared/data/PROVENANCE.md).
MIRROR_ONLY = "the course mirror only (REDES_DATA_MIRROR)"


def sources_table(dataset: str) -> Table:
    return Table(
        ("file", "bytes", "sha256", "public source"),
        tuple(
            (s.filename, f"{s.size:,}", f"`{s.sha256}`", s.urls[0] if s.urls else MIRROR_ONLY) for s in SOURCES[dataset]
        ),
    )


def environment_section(workspace: Workspace) -> Section:
    commit, dirty = provenance.git_state(workspace.root)
    machine = provenance.machine()
    return Section(
        "How these results were made",
        [
            Text(
                f"Code at git commit `{commit}`{' with uncommitted changes' if dirty else ''}; "
                f"run with `dvc repro` on {machine['cpu']} ({machine['cores']} cores), Python {machine['python']}, "
                f"{machine['system']}. Every number below comes from `reports/metrics/` and names the MLflow run "
                "that holds its params, per-epoch curves, figures and model (`make mlflow-ui`)."
            ),
            Table(("library", "version"), tuple(provenance.library_versions().items())),
        ],
    )
