"""The `foundations` section shrunk for the tests: seconds, not minutes."""

from __future__ import annotations


def shrink(foundations: dict) -> None:
    # The linear-regression stage keeps its real size: SGD needs its passes to reach the 1e-4 check.
    foundations["autodiff"]["expressions"] = 10
    foundations["gan"].update(generator_steps=1000, batch_size=128, learning_rate=0.001, max_wasserstein_ratio=0.5)
