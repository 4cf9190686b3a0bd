"""The report's aging section names every addition to the paper's recipe that the params turn on, and no other."""

from __future__ import annotations

import pytest

from redes.aging.params import PAPER_CAAE, CaaeParams
from redes.report.aging import _beyond_the_paper

ADDITIONS = {
    "random_targets": (True, "random age group"),
    # The age head reads label-free features: it comes with the projection discriminator.
    "losses.age_classification": (0.05, "age head"),
    "losses.structural_dissimilarity": (0.5, "SSIM"),
    "losses.z_age_hiding": (0.05, "z age classifier"),
    "lr_schedule": ("cosine", "cosine"),
}


def _caae(**changes: object) -> CaaeParams:
    section = {**PAPER_CAAE, "losses": dict(PAPER_CAAE["losses"])}
    for path, value in changes.items():
        *parents, key = path.split(".")
        (section[parents[0]] if parents else section)[key] = value
    return CaaeParams.model_validate(section)


def test_the_paper_s_recipe_has_nothing_beyond_it() -> None:
    assert _beyond_the_paper(_caae()) == ""


@pytest.mark.parametrize("switch", ADDITIONS)
def test_each_addition_is_named_alone(switch: str) -> None:
    value = ADDITIONS[switch][0]
    needs = {"image_discriminator_labels": "projection"} if switch == "losses.age_classification" else {}
    text = _beyond_the_paper(_caae(**{switch: value}, **needs))
    assert [name for name, (_, other) in ADDITIONS.items() if other in text] == [switch]
