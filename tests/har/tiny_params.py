"""The `har` section shrunk for the tests: one seed, 8-unit cells, six short epochs."""

from __future__ import annotations


def shrink(har: dict) -> None:
    har["seeds"] = 1  # several seeds per stage: test_killed_har_training_skips_finished_seeds
    har["baseline"]["spectrum_bins"] = 4
    # Through the shared defaults, as params.yaml sets them; conv_lstm states its own sizes.
    # Enough steps to beat chance on the synthetic tones (the evaluate stage refuses a net that does not).
    har["model_defaults"].update(units=[8], epochs=6, batch_size=8, learning_rate=0.01)
    har["conv_lstm"].update(units=[8], conv_filters=[8])
