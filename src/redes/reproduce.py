"""The reproduction gate: a rebuild's `reports/metrics/*.json` against those committed at a git revision.

CI's reproduction on a cloud GPU runs it after `dvc repro` (`.ci/reproduce`), and so can anyone after a
rebuild by hand (`redes reproduce check`). `tolerances.yaml` says, for every headline metric, how far a
reproduction on other hardware may land from the committed value and why; the gate reads it, compares,
and renders one table. A metric outside its allowance, not a number, or gone fails the gate, and so
does any committed metric that disappeared, declared in the file or not.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from redes.config import flatten
from redes.errors import RedesError
from redes.paths import Workspace

# A metrics file's numbers by dotted name ("cnn.test_accuracy"), as `dvc metrics show` names them.
Metrics = dict[str, float]
Verdict = Literal["ok", "new", "MISS", "missing", "NaN"]
FAILING: frozenset[str] = frozenset({"MISS", "missing", "NaN"})


class Allowance(BaseModel):
    """How far one metric may land from its committed value: exactly one rule, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    why: str
    absolute: float | None = None  # |now - committed| <= absolute
    factor: float | None = None  # committed / factor <= now <= committed * factor
    stds: float | None = None  # |now - committed| <= stds * the committed value of `std`
    std: str | None = None  # the metric of the same file holding the spread over seeds
    at_most: float | None = None  # a target: now <= at_most, whatever was committed
    at_least: float | None = None  # a target: now >= at_least

    @model_validator(mode="after")
    def _one_rule(self) -> Allowance:
        rules = [
            name for name in ("absolute", "factor", "stds", "at_most", "at_least") if getattr(self, name) is not None
        ]
        if len(rules) != 1:
            raise ValueError(f"give exactly one of absolute, factor, stds, at_most, at_least (got {rules or 'none'})")
        if (self.stds is None) != (self.std is None):
            raise ValueError("stds and std go together: std names the metric holding the spread")
        if self.factor is not None and self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")
        for name in ("absolute", "stds"):
            if (getattr(self, name) or 0) < 0:
                raise ValueError(f"{name} must not be negative")
        return self

    def bounds(self, committed: float | None, spread: float | None) -> tuple[float, float]:
        """The interval `now` must fall in; NaN bounds when the committed value it needs is missing."""
        if self.at_most is not None:
            return -math.inf, self.at_most
        if self.at_least is not None:
            return self.at_least, math.inf
        if committed is None:
            return math.nan, math.nan
        if self.factor is not None:
            ends = (committed / self.factor, committed * self.factor)
            return min(ends), max(ends)
        if self.absolute is not None:
            return committed - self.absolute, committed + self.absolute
        width = math.nan if spread is None else self.stds * spread  # type: ignore[operator]
        return committed - width, committed + width

    def describe(self) -> str:
        if self.absolute is not None:
            return f"±{self.absolute:g}"
        if self.factor is not None:
            return f"×{self.factor:g} either way"
        if self.stds is not None:
            return f"±{self.stds:g} × {self.std}"
        return f"≤ {self.at_most:g}" if self.at_most is not None else f"≥ {self.at_least:g}"


class ToleranceError(RedesError, ValueError):
    """tolerances.yaml does not match its schema; the message names the entry."""


def load_tolerances(path: Path) -> dict[str, dict[str, Allowance]]:
    """{project: {metric: allowance}} from `path`, each bad entry named."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ToleranceError(f"{path} is missing: it declares how far each headline metric may move") from None
    except yaml.YAMLError as error:
        raise ToleranceError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ToleranceError(f"{path} must map each project to its metrics")
    tolerances: dict[str, dict[str, Allowance]] = {}
    problems = []
    for project, entries in raw.items():
        if not isinstance(entries, dict):
            problems.append(f"{project}: expected a mapping of metric names to rules")
            continue
        tolerances[project] = {}
        for metric, rule in entries.items():
            try:
                tolerances[project][metric] = Allowance.model_validate(rule)
            except ValidationError as error:
                reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'rule'}: {e['msg']}" for e in error.errors())
                problems.append(f"{project} {metric}: {reasons}")
    if problems:
        raise ToleranceError(f"{path} has bad entries: " + " | ".join(problems))
    return tolerances


def numbers(document: Mapping[str, Any]) -> Metrics:
    """The numeric leaves of a metrics file (booleans count as 0 and 1; strings and lists are not metrics)."""
    return {name: float(value) for name, value in flatten(document).items() if isinstance(value, int | float)}


def _metrics_folder(root: Path) -> Path:
    return Workspace(root).metrics("mnist").parent  # every project's metrics file is in this one folder


def workspace_metrics(root: Path) -> dict[str, Metrics]:
    """The numbers of each project's `reports/metrics/<project>.json` in the working tree at `root`."""
    paths = sorted(_metrics_folder(root).glob("*.json"))
    return {path.stem: numbers(_read_json(path.read_text(), str(path))) for path in paths}


def committed_metrics(root: Path, rev: str) -> dict[str, Metrics]:
    """The numbers of each project's metrics file committed at git revision `rev` of the repository at `root`."""
    folder = _metrics_folder(root).relative_to(root).as_posix()
    listing = _git(root, "ls-tree", "--name-only", f"{rev}:{folder}", what=f"no folder {folder} at {rev}")
    metrics = {}
    for name in filter(lambda name: name.endswith(".json"), listing.splitlines()):
        location = f"{rev}:{folder}/{name}"
        metrics[name.removesuffix(".json")] = numbers(_read_json(_git(root, "show", location), location))
    return metrics


def _git(root: Path, *args: str, what: str | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RedesError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip() or what}")
    return result.stdout


def _read_json(text: str, name: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RedesError(f"the metrics file {name} is not valid JSON ({error}); run its stage again") from None
    if not isinstance(document, dict):
        raise RedesError(f"the metrics file {name} must hold a JSON object")
    return document


@dataclass(frozen=True)
class Row:
    """One line of the gate's table."""

    metric: str  # "mnist: cnn.test_accuracy": the project, then the metric in its file
    committed: float | None
    now: float | None
    allowed: str
    verdict: Verdict

    @property
    def fails(self) -> bool:
        return self.verdict in FAILING


def check(
    committed: Mapping[str, Metrics], now: Mapping[str, Metrics], tolerances: Mapping[str, Mapping[str, Allowance]]
) -> list[Row]:
    """Every declared metric judged by its allowance, then every committed metric that is gone from `now`.

    A declared metric absent from the committed files is new (it passes: there is nothing to
    reproduce yet, and the next commit holds it); absent from `now`, it is missing.
    """
    rows = []
    for project, allowances in tolerances.items():
        before, after = committed.get(project, {}), now.get(project, {})
        for metric, rule in allowances.items():
            old, new = before.get(metric), after.get(metric)
            spread = before.get(rule.std) if rule.std else None
            verdict = _verdict(rule, old, new, spread)
            rows.append(Row(f"{project}: {metric}", old, new, _allowed(rule, old, spread), verdict))
    declared = {(project, metric) for project, allowances in tolerances.items() for metric in allowances}
    for project, metrics in committed.items():
        for metric, old in metrics.items():
            if (project, metric) not in declared and metric not in now.get(project, {}):
                rows.append(Row(f"{project}: {metric}", old, None, "present", "missing"))
    return rows


def _allowed(allowance: Allowance, committed: float | None, spread: float | None) -> str:
    low, high = allowance.bounds(committed, spread)
    if allowance.at_most is not None or allowance.at_least is not None or math.isnan(low):
        return allowance.describe()
    return f"{allowance.describe()}: {_number(low)} to {_number(high)}"


def _verdict(allowance: Allowance, committed: float | None, now: float | None, spread: float | None) -> Verdict:
    if now is None:
        return "missing"
    if math.isnan(now) or (committed is not None and math.isnan(committed)):
        return "NaN"
    targeted = allowance.at_most is not None or allowance.at_least is not None
    if committed is None and not targeted:
        return "new"
    low, high = allowance.bounds(committed, spread)
    if math.isnan(low) or math.isnan(high):
        return "NaN"  # the spread it needs is missing or not a number
    return "ok" if low <= now <= high else "MISS"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table (a terminal shows it as it is; a CML comment renders it)."""
    lines = ["| metric | committed | now | allowed | verdict |", "|---|---|---|---|---|"]
    lines += [f"| {r.metric} | {_number(r.committed)} | {_number(r.now)} | {r.allowed} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def summary(rows: list[Row]) -> str:
    failing = [row for row in rows if row.fails]
    if not failing:
        return f"The reproduction passes the gate: {len(rows)} metrics within their allowances."
    listed = ", ".join(f"{row.metric} ({row.verdict})" for row in failing)
    return f"The reproduction fails the gate on {len(failing)} of {len(rows)} metrics: {listed}."
