"""The `foundations` section shrunk for the tests: seconds, not minutes."""

from __future__ import annotations


def shrink(foundations: dict) -> None:
    # SGD nears least squares as 1/epochs: a tenth of the passes ends within 1e-2 instead of 1e-4.
    foundations["linear"].update(sgd_epochs=2000, sgd_decay_epochs=300, sgd_tolerance=1e-2)
    foundations["autodiff"]["expressions"] = 10
    foundations["gan"].update(generator_steps=1000, batch_size=128, learning_rate=0.001, max_wasserstein_ratio=0.5)
