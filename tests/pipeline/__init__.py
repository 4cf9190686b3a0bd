"""Tests of the whole pipeline: a real `dvc repro` on tiny params, the real data, the committed results."""
