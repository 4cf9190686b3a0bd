"""The building blocks of every project's params schema: strict sections and the shared training params.

Each project's own sections live in `redes/<project>/params.py`; `redes.config` assembles them
into the schema of the whole params.yaml and loads it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0)]


class Section(BaseModel):
    """A params section: strict types, no unknown keys, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TrainingParams(Section):
    """What every Keras classifier of the course shares: the optimiser and the loop."""

    learning_rate: Annotated[float, Field(gt=0.0)]
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
