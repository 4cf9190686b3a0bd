"""The params loader: `params.yaml` is loaded and validated here, against the sections a reader names.

A stage validates `base` and its own project's section (defined in `redes/<project>/params.py`
from the building blocks of `redes.schema`) before doing any work, and leaves the other
projects' sections to their stages: a change to one project's schema is not a code change
of every stage. `redes.sections` names every section, for the report and for checking the
whole file. A missing, unknown or ill-typed key stops a stage with a `ParamsError` naming
the key and the expected type, so `dvc exp run -S mnist.cnn.epochs=five` fails in a second,
not after a download.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from redes.errors import RedesError
from redes.schema import Section


class BaseParams(Section):
    seed: Annotated[int, Field(ge=0)]
    deterministic: bool
    # tf.distribute strategy for training: one device here; `mirrored` on a multi-GPU
    # box; `multi_worker_mirrored` across machines (TF_CONFIG set by the launcher).
    distribution: Literal["one_device", "mirrored", "multi_worker_mirrored"]


class Params(Section):
    """params.yaml as one reader sees it: `base`, plus the sections it names (see `params_schema`)."""

    base: BaseParams


class _SomeSections(Params):
    # A stage reads its own sections; the others are their own stages' to check.
    model_config = ConfigDict(extra="ignore")


def params_schema(sections: Mapping[str, type[Section]], *, whole: bool = False) -> type[Params]:
    """The schema of `base` plus `sections`; `whole` refuses any other top-level key (a misspelled section)."""
    fields: dict[str, Any] = {name: (section, ...) for name, section in sections.items()}
    return create_model("Params", __base__=Params if whole else _SomeSections, **fields)


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"mnist": {"cnn": {"epochs": 5}}} -> {"mnist.cnn.epochs": 5}, the way `dvc exp show` names params.

    A params section (a pydantic model) among the values is flattened like the mapping it was read from.
    """
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


class ParamsError(RedesError, ValueError):
    """params.yaml does not match the schema; the message names every bad key."""


def load_params(path: Path, sections: Mapping[str, type[Section]], *, whole: bool = False) -> Params:
    """Read params.yaml and validate `base` and `sections`; raise ParamsError naming each bad key."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ParamsError(f"{path}: file not found; run from the repository root") from None
    except yaml.YAMLError as error:
        raise ParamsError(f"{path}: not valid YAML: {error}") from None
    return validate_params(raw, sections, whole=whole, source=str(path))


def validate_params(
    raw: Any, sections: Mapping[str, type[Section]], *, whole: bool = False, source: str = "params"
) -> Params:
    schema = params_schema(sections, whole=whole)
    try:
        return schema.model_validate(raw)
    except ValidationError as error:
        problems = [_describe(e, schema) for e in error.errors()]
        raise ParamsError(f"{source}: {len(problems)} bad key(s):\n  " + "\n  ".join(problems)) from None


def _describe(error: Any, schema: type[Params]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "<top level>"
    expected = _expected_type(error["loc"], schema)
    if error["type"] == "missing":
        return f"{key}: missing (expected {expected})"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (not in the schema; check its spelling and section)"
    if isinstance(error["input"], Mapping):
        # A check across a section's keys: its message names them; the whole section's values would bury it.
        return f"{key}: {error['msg']}"
    return f"{key}: {error['msg']}; expected {expected}, got {error['input']!r}"


def _expected_type(loc: tuple[Any, ...], schema: type[Params]) -> str:
    """The annotation the schema gives a key, spelled for a person."""
    annotation: Any = schema
    for part in loc:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return "nothing (unknown key)"
            # pydantic keeps a field's own bounds apart from its type; put them back for the message.
            annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        elif typing.get_origin(annotation) is list and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
    return _type_name(annotation)


def _constraint(bound: Any) -> str:
    """annotated_types bounds as a person writes them: Gt(gt=0) -> '> 0'."""
    for attribute, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if hasattr(bound, attribute):
            return f"{symbol} {getattr(bound, attribute)}"
    if hasattr(bound, "min_length"):
        return f"with at least {bound.min_length} item(s)"
    return ""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *metadata = typing.get_args(annotation)
        bounds = [bound for item in metadata for bound in getattr(item, "metadata", [item])]
        constraints = [_constraint(bound) for bound in bounds]
        return _type_name(base) + "".join(f" {c}" for c in constraints if c)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin is list:
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"a mapping with keys {', '.join(annotation.model_fields)}"
    return getattr(annotation, "__name__", str(annotation))
