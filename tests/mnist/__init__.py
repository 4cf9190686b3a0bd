"""Tests of the MNIST project."""
