"""The labels the face ager is conditioned on: the CAAE paper's ten age groups and UTKFace's two genders."""

from __future__ import annotations

import numpy as np

# The groups by their lowest age; the last is open-ended.
GROUP_LOWEST_AGES = (0, 6, 11, 16, 21, 31, 41, 51, 61, 71)
GROUP_NAMES = ("0-5", "6-10", "11-15", "16-20", "21-30", "31-40", "41-50", "51-60", "61-70", "71+")
GENDERS = ("male", "female")  # UTKFace's codes 0 and 1
OLDEST_AGE = 116  # the oldest face of UTKFace


def age_group(ages: np.ndarray | int) -> np.ndarray:
    """The index into GROUP_NAMES of each age."""
    return np.searchsorted(GROUP_LOWEST_AGES, np.asarray(ages), side="right") - 1
