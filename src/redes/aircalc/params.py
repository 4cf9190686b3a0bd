"""The `aircalc` section of params.yaml: the symbol splits, the recogniser, reading and the evaluation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from redes.mnist.params import MnistCnn
from redes.schema import Fraction, PositiveInt, Section
from redes.seeding import seed_list


class AircalcData(Section):
    """The operators' split (the digits keep MNIST's); fractions of each operator's writing families."""

    validation_fraction: Fraction
    test_fraction: Fraction

    @model_validator(mode="after")
    def _room_to_train(self) -> AircalcData:
        if self.validation_fraction + self.test_fraction >= 1.0:
            raise ValueError(
                f"validation_fraction + test_fraction = {self.validation_fraction + self.test_fraction} "
                "leaves nothing to train on; keep it below 1"
            )
        return self


class Reading(Section):
    # A symbol whose probability in context is below this is refused with its position, not guessed.
    min_confidence: Annotated[float, Field(gt=0.0, lt=1.0)]


class ComposedExpressions(Section):
    """The held-out expressions: written from test-split symbols only, seeded."""

    count: PositiveInt
    seed: Annotated[int, Field(ge=0)]
    min_symbols: PositiveInt  # each digit and each operator is one symbol
    max_symbols: PositiveInt

    @model_validator(mode="after")
    def _lengths_in_order(self) -> ComposedExpressions:
        if self.min_symbols > self.max_symbols:
            raise ValueError(f"min_symbols {self.min_symbols} is above max_symbols {self.max_symbols}")
        return self


class AircalcRecognizer(MnistCnn):
    """The MNIST CNN's recipe, with a 14-way softmax (redes.aircalc.models), trained `members` times."""

    # CNNs trained alike from seeds base.seed, base.seed + 1, ...; the recogniser averages their probabilities.
    members: PositiveInt

    def seed_list(self, base_seed: int) -> list[int]:
        return seed_list(base_seed, self.members)


class AircalcParams(Section):
    data: AircalcData
    recognizer: AircalcRecognizer
    reading: Reading
    expressions: ComposedExpressions
