"""The `aircalc` section shrunk for the tests: a small recogniser, a few epochs, a few expressions."""

from __future__ import annotations


def shrink(aircalc: dict) -> None:
    aircalc["recognizer"].update(filters=[8, 16], dense_units=32, batch_norm=False, epochs=4, batch_size=32)
    aircalc["expressions"].update(count=20, max_symbols=7)
