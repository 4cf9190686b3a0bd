"""The `mnist` section shrunk for the tests: small nets, a few epochs."""

from __future__ import annotations


def shrink(mnist: dict) -> None:
    mnist["data"]["validation_size"] = 100
    mnist["mlp"].update(hidden_units=[32], epochs=3, batch_size=32)
    mnist["cnn"].update(filters=[8, 16], dense_units=32, batch_norm=False, epochs=4, batch_size=32)
