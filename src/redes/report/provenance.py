"""Provenance tables shared by every section: params, data files, code and machine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from redes import provenance
from redes.paths import Workspace
from redes.report.document import Section, Table, Text
from redes.sources import SOURCES


def params_table(section: str, flat_params: Mapping[str, Any]) -> Table:
    """The params of a section of params.yaml, folded under their count."""
    return Table(
        ("param", "value"),
        tuple((f"`{key}`", str(value)) for key, value in flat_params.items()),
        folded=f"Params: section {section} of params.yaml ({len(flat_params)} values)",
    )


# A file with no public copy of these bytes (see shared/data/PROVENANCE.md).
MIRROR_ONLY = "the course mirror only (REDES_DATA_MIRROR)"


def sources_table(dataset: str) -> Table:
    """The files a dataset is read from, with their sizes, hashes and public sources, folded."""
    return Table(
        ("file", "bytes", "sha256", "public source"),
        tuple(
            (s.filename, f"{s.size:,}", f"`{s.sha256}`", s.urls[0] if s.urls else MIRROR_ONLY) for s in SOURCES[dataset]
        ),
        folded=f"Data: the {len(SOURCES[dataset])} files read, their sha256 and where they are published",
    )


def environment_section(workspace: Workspace) -> Section:
    commit, dirty = provenance.git_state(workspace.root)
    machine = provenance.machine()
    return Section(
        "How these results were made",
        [
            Text(
                f"Assembled by `dvc repro` from the code at git commit `{commit}`"
                f"{' with uncommitted changes' if dirty else ''}, on {machine['cpu']} ({machine['cores']} cores), "
                f"Python {machine['python']}, {machine['system']}. Every number below comes from `reports/metrics/` "
                "and names the MLflow run that holds its params, per-epoch curves, figures and model, and the "
                "machine it was trained on (`make mlflow-ui`)."
            ),
            Table(("library", "version"), tuple(provenance.library_versions().items())),
        ],
    )
