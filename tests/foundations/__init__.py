"""Tests of the foundations: each equation of the notes against its library reference."""
