"""A real recogniser for the reading tests: the tiny CNN trained for seconds on synthetic symbols."""

from tests.helpers.aircalc import recognizer

__all__ = ["recognizer"]
