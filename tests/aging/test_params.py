"""The `aging` params section: image sizes the networks can halve, matching depths, faces left to train on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from redes.aging.params import AgingParams
from tests.helpers.aging import SECTION
from tests.helpers.params import changed


def test_the_authors_settings_are_valid() -> None:
    params = AgingParams.model_validate(SECTION)
    assert params.caae.generator_filters == [512, 256, 128, 64] and params.data.image_size == 64


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("data.image_size", 72, "multiple of 16"),
        ("data.image_size", 16, "cannot be halved 4 times"),
        ("data.test_fraction", 0.95, "leaves nothing to train on"),
        ("caae.generator_filters", [256, 128, 64], "must grow the image as much as the encoder shrinks it"),
        ("caae.image_discriminator_labels", "concat", "after_first_conv"),
        ("caae.losses.age_classification", 1.0, "projection"),
        ("caae.losses.reconstruction", 0.0, "greater than 0"),
        ("estimator.label_sigma", -1.0, "greater than 0"),
        ("caae.beta_1", 1.0, "less than 1"),
        ("caae.lr_schedule", "step", "constant"),
    ],
)
def test_a_bad_value_names_its_key(path: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        AgingParams.model_validate(changed(SECTION, {path: value}))
    assert path.split(".")[-1] in str(error.value)
