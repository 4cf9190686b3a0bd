"""Seeds and op determinism, called first in every stage; the seeds of a project's repeated trainings."""

from __future__ import annotations

import os
import random

import numpy as np


def seed_everything(seed: int, deterministic: bool, *, keras_backend: bool = True) -> None:
    """Seed Python and NumPy, and with `keras_backend` also Keras and its backend.

    Stages that never touch a network (download, report) pass `keras_backend=False`
    so they do not pay for importing TensorFlow.
    """
    # Hash randomisation only matters for child processes; set it for them.
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if not keras_backend:
        return
    import keras

    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def seed_list(base_seed: int, count: int) -> list[int]:
    """The seeds of `count` trainings of one recipe (HAR's seeds, AirCalc's members): base.seed, base.seed + 1, ..."""
    return [base_seed + offset for offset in range(count)]
