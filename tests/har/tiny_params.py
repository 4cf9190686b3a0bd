"""The `har` section shrunk for the tests: one seed, 8-unit cells, two epochs."""

from __future__ import annotations


def shrink(har: dict) -> None:
    har["seeds"] = 1  # several seeds per stage: test_killed_har_training_skips_finished_seeds
    har["baseline"]["spectrum_bins"] = 4
    # Through the shared defaults, as params.yaml sets them; conv_lstm states its own sizes.
    har["model_defaults"].update(units=[8], epochs=2, batch_size=16)
    har["conv_lstm"].update(units=[8], conv_filters=[8])
