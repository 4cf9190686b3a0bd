"""The building blocks of every project's params schema: strict sections and the shared training params.

Each project's own sections live in `redes/<project>/params.py`; `redes.config` assembles them
into the schema of the whole params.yaml and loads it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]


def _no_repeats(items: list[Hashable]) -> list[Hashable]:
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"{repeated} listed more than once")
    return items


# For a list that is a set in meaning (subjects, class ids), kept a list for its order:
# `Annotated[list[int], NoRepeats]`.
NoRepeats = AfterValidator(_no_repeats)


class Section(BaseModel):
    """A params section: strict types, no unknown keys, immutable, finite floats."""

    # allow_inf_nan=False: YAML reads `.inf` and `.nan` as floats, and no param means either
    # (an infinite learning rate would pass `> 0` and train to NaN).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class TrainingParams(Section):
    """What every Keras classifier of the course shares: the optimiser and the loop."""

    learning_rate: PositiveFloat
    lr_schedule: Literal["constant", "cosine"]
    weight_decay: Annotated[float, Field(ge=0.0)]
    batch_size: PositiveInt
    epochs: PositiveInt
    early_stopping_patience: PositiveInt  # epochs without a better validation accuracy before stopping
    # End with the weights of the best validation epoch (true) or of the last epoch (false: for a
    # validation set that does not predict the test set well, e.g. a few easy subjects).
    restore_best_weights: bool
    # Weight each class's loss by n / (classes * n_class) ("balanced"), so rare classes count as much.
    balanced_class_weights: bool


Activation = Literal["relu", "gelu", "tanh", "sigmoid", "leaky_relu", "elu", "silu"]
