"""Params for tests: a copy of a params mapping with some values changed by dotted key path."""

from __future__ import annotations

import copy
from collections.abc import Mapping


def changed(params: Mapping, changes: Mapping[str, object]) -> dict:
    """A deep copy of params with each dotted key path (`caae.losses.z_age_hiding`) set to its value."""
    result = copy.deepcopy(dict(params))
    for path, value in changes.items():
        *parents, key = path.split(".")
        section = result
        for parent in parents:
            section = section[parent]
        section[key] = value
    return result
