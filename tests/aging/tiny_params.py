"""The `aging` section shrunk for the tests: 16-pixel faces, two-block nets, a couple of epochs."""

from __future__ import annotations


def shrink(aging: dict) -> None:
    # A fifth of the synthetic archive's 65 faces each to validation and test: at least one face per age group.
    aging["data"].update(image_size=16, validation_fraction=0.2, test_fraction=0.2)
    # The judge must beat a constant guess of the median age, or the evaluation refuses it: 15 quick epochs do.
    aging["estimator"].update(filters=[4, 8], epochs=15, early_stopping_patience=15, learning_rate=0.01, batch_size=16)
    aging["caae"].update(
        z_dim=8,
        encoder_filters=[4, 8],
        generator_filters=[8, 4],
        image_discriminator_filters=[4, 8],
        z_discriminator_units=[8],
        batch_size=16,
        epochs=2,
    )
