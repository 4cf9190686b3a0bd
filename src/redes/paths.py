"""The project's file layout, spelled out in one place.

Every stage works relative to a workspace root: the repository itself under
`dvc repro`, or the temporary copy DVC makes for `dvc exp run --temp/--queue`.
`dvc.yaml` names the same paths; keep the two in step.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Workspace:
    """Paths of data, models, reports and local state below one workspace root."""

    root: Path

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"

    def raw(self, dataset: str) -> Path:
        """Downloaded files of one dataset, as published."""
        return self.root / "data" / "raw" / dataset

    def processed(self, project: str) -> Path:
        """Prepared arrays of one project."""
        return self.root / "data" / "processed" / project

    def models(self, project: str, model: str) -> Path:
        return self.root / "models" / project / model

    def metrics(self, project: str) -> Path:
        return self.root / "reports" / "metrics" / f"{project}.json"

    def runs(self, project: str) -> Path:
        """MLflow run id behind each model's numbers."""
        return self.root / "reports" / "runs" / f"{project}.json"

    def figures(self, project: str) -> Path:
        return self.root / "reports" / "figures" / project

    def tables(self, project: str) -> Path:
        """Tables the report shows as they are (e.g. every check of the foundations)."""
        return self.root / "reports" / "tables" / project

    def plots(self, project: str) -> Path:
        """Per-epoch histories, declared as DVC plots."""
        return self.root / "reports" / "plots" / project

    @property
    def report_html(self) -> Path:
        return self.root / "reports" / "report.html"

    @property
    def summary_md(self) -> Path:
        return self.root / "reports" / "summary.md"

    def checkpoints(self, project: str) -> Path:
        """Training backups that survive an interrupted stage (not DVC outputs)."""
        return self.root / "checkpoints" / project

    def backup_dir(self, project: str, name: str, *identity: Any) -> Path:
        """Where an interrupted training of exactly this configuration keeps its backup.

        The folder name carries a hash of `identity` (the params and data hashes that
        define the training), so a resumed stage never restores weights trained with
        other settings.
        """
        fingerprint = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]
        return self.checkpoints(project) / f"{name}-{fingerprint}"

    @property
    def mlflow_db(self) -> Path:
        return self.root / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.root / "mlartifacts"
