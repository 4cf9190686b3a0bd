"""Tests of the activity-recognition project."""
