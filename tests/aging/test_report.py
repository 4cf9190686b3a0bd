"""The report's aging section names every addition to the paper's recipe that the params turn on, and no other."""

from __future__ import annotations

import pytest

from redes.aging.params import AgingParams
from redes.report.aging import _beyond_the_paper
from tests.helpers.aging import SECTION
from tests.helpers.params import changed

# Each addition: the caae params that turn it on alone, and a phrase its sentence must hold.
ADDITIONS = {
    "random targets": ({"random_targets": True}, "random age group"),
    # The age head reads label-free features: it comes with the projection discriminator.
    "age head": (
        {"losses.age_classification": 0.05, "image_discriminator_labels": "projection"},
        "age head",
    ),
    "SSIM term": ({"losses.structural_dissimilarity": 0.5}, "SSIM"),
    "z age hiding": ({"losses.z_age_hiding": 0.05}, "z age classifier"),
    "cosine rates": ({"lr_schedule": "cosine"}, "cosine"),
}


def _beyond(caae_changes: dict[str, object]) -> str:
    changes = {f"caae.{path}": value for path, value in caae_changes.items()}
    return _beyond_the_paper(AgingParams.model_validate(changed(SECTION, changes)).caae)


def test_the_paper_s_recipe_has_nothing_beyond_it() -> None:
    assert _beyond({}) == ""


@pytest.mark.parametrize("addition", ADDITIONS)
def test_each_addition_is_named_alone(addition: str) -> None:
    text = _beyond(ADDITIONS[addition][0])
    assert [name for name, (_, phrase) in ADDITIONS.items() if phrase in text] == [addition]
