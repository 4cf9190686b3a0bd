"""Where the PINN trains: Latin hypercube coverage and seeding, initial/boundary and data points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redes.errors import RedesError
from redes.pinn.reference import BurgersProblem, Solution, cole_hopf, evaluation_grid
from redes.pinn.sampling import TrainingPoints, forward_points, inverse_points, latin_hypercube

PROBLEM = BurgersProblem(0.01, 1.0, 1, -1.0, 1.0, 0.0, 1.0)


def test_latin_hypercube_has_one_point_in_every_slice_of_each_axis() -> None:
    points = latin_hypercube(500, (0.0, -1.0), (1.0, 1.0), seed=3)
    assert points.shape == (500, 2)
    for axis, (low, high) in enumerate([(0.0, 1.0), (-1.0, 1.0)]):
        assert points[:, axis].min() >= low and points[:, axis].max() <= high
        slices = np.floor((points[:, axis] - low) / (high - low) * 500).astype(int)
        assert sorted(slices) == list(range(500))  # each of the 500 strata exactly once


def test_latin_hypercube_is_seeded() -> None:
    first = latin_hypercube(100, (0.0, -1.0), (1.0, 1.0), seed=7)
    assert np.array_equal(first, latin_hypercube(100, (0.0, -1.0), (1.0, 1.0), seed=7))
    assert not np.allclose(first, latin_hypercube(100, (0.0, -1.0), (1.0, 1.0), seed=8))


def _grid() -> Solution:
    x, t = evaluation_grid(PROBLEM, 64, 20)
    return cole_hopf(PROBLEM, x, t, 100)


def test_forward_points_lie_on_the_initial_line_and_the_boundaries(tmp_path: Path) -> None:
    points = forward_points(PROBLEM, _grid(), initial_boundary=40, collocation=300, seed=1)
    assert len(points.initial) + len(points.boundary) == 40
    assert len(points.initial) > 0 and len(points.boundary) > 0
    assert np.all(points.initial[:, 0] == 0.0)
    assert np.allclose(points.initial_u, -np.sin(np.pi * points.initial[:, 1]))
    assert np.all(np.abs(points.boundary[:, 1]) == 1.0) and np.all(points.boundary_u == 0.0)
    assert points.collocation.shape == (340, 2)  # N_f and the N_u points themselves
    again = forward_points(PROBLEM, _grid(), initial_boundary=40, collocation=300, seed=1)
    assert np.array_equal(points.collocation, again.collocation)
    with pytest.raises(ValueError, match="initial_boundary_points"):
        forward_points(PROBLEM, _grid(), initial_boundary=10_000, collocation=300, seed=1)
    loaded = TrainingPoints.load(points.save(tmp_path / "points.npz"))
    assert np.array_equal(loaded.boundary, points.boundary) and loaded.data is None
    (tmp_path / "bad.npz").write_text("no")
    with pytest.raises(RedesError, match=r"bad\.npz"):
        TrainingPoints.load(tmp_path / "bad.npz")


def test_inverse_points_carry_noise_of_the_asked_size() -> None:
    grid = _grid()
    clean = inverse_points(grid, 1000, noise=0.0, seed=2)
    noisy = inverse_points(grid, 1000, noise=0.05, seed=2)
    assert np.array_equal(clean.data, noisy.data) and np.array_equal(clean.collocation, clean.data)
    exact = grid.u[np.searchsorted(grid.x, clean.data[:, 1]), np.searchsorted(grid.t, clean.data[:, 0])]
    assert np.array_equal(clean.data_u, exact)
    ratio = np.std(noisy.data_u - clean.data_u) / np.std(clean.data_u)
    assert ratio == pytest.approx(0.05, rel=0.1)
