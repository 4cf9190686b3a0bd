"""Tests of the shared core: params loading, downloads, provenance, tracking, the training loop, stage deps."""
