"""The `foundations` section shrunk for the tests: seconds, not minutes."""

from __future__ import annotations


def shrink(foundations: dict) -> None:
    # SGD nears least squares as 1/epochs: a twentieth of the passes ends within 1e-2 (6e-3) instead of 1e-4.
    foundations["linear"].update(sgd_epochs=1000, sgd_decay_epochs=150, sgd_tolerance=1e-2)
    foundations["autodiff"]["expressions"] = 10
    # 500 steps bring the samples' Wasserstein-1 distance to the target to 0.29 of the untrained generator's.
    foundations["gan"].update(generator_steps=500, batch_size=128, learning_rate=0.001, max_wasserstein_ratio=0.5)
