"""Small files in and out: JSON records, CSV tables, bundles of arrays, folders inside zips."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from redes.errors import RedesError


@contextlib.contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write, renamed over `path` once written.

    A stage killed or failing mid-write leaves the old file or none, never half of one.
    The temporary name keeps the suffix (Keras and NumPy choose the format by it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> Path:
    with replaced_atomically(path) as partial:
        partial.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """A pandas DataFrame as CSV, without its index."""
    with replaced_atomically(path) as partial:
        table.to_csv(partial, index=False)
    return path


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV written by `write_csv`, as a pandas DataFrame."""
    if not path.exists():
        raise RedesError(f"{path} is missing; run the stage that writes it (`dvc repro`)")
    return pd.read_csv(path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RedesError(f"{path} is missing; run the stage that writes it (`dvc repro`)") from None
    except json.JSONDecodeError as error:
        raise RedesError(f"{path} is not valid JSON ({error}); delete it and run `dvc repro` again") from None


Arrays = TypeVar("Arrays")


def save_arrays(arrays: Any, path: Path) -> Path:
    """A dataclass of NumPy arrays (a project's prepared splits) as one compressed .npz."""
    with replaced_atomically(path) as partial:
        np.savez_compressed(partial, **asdict(arrays))
    return path


def load_arrays(kind: type[Arrays], path: Path, advice: str) -> Arrays:
    """The dataclass `kind` as `save_arrays` wrote it; a missing or foreign file names itself and `advice`."""
    try:
        with np.load(path) as arrays:
            return kind(**{name: arrays[name] for name in kind.__dataclass_fields__})  # type: ignore[attr-defined]
    except (OSError, KeyError, ValueError) as error:
        raise RedesError(f"{path}: not a prepared {kind.__name__} file ({error}); {advice}") from None


def zip_folder(names: list[str], member: str) -> str | None:
    """The folder prefix under which `member` sits in a zip with these `names` ('' at the top), or None.

    Distributions of one dataset nest the same files differently ('HAPT Data Set/RawData/...' or 'RawData/...').
    """
    for name in names:
        if name == member or name.endswith("/" + member):
            return name[: -len(member)]
    return None
