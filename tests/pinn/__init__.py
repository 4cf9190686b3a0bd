"""Tests of the physics-informed network for Burgers' equation."""
