"""The Burgers references: Cole-Hopf against the PDE itself, the .mat parser, the choice of reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from redes.errors import RedesError
from redes.pinn.params import PinnReference
from redes.pinn.reference import (
    MAT_VISCOSITY,
    BurgersProblem,
    Solution,
    cole_hopf,
    evaluation_grid,
    load_published,
    load_solution,
    relative_l2,
    save_solution,
    scoring_reference,
)

PUBLISHED = BurgersProblem(MAT_VISCOSITY, 1.0, 1, -1.0, 1.0, 0.0, 1.0)


def test_the_grid_is_that_of_the_published_file() -> None:
    x, t = evaluation_grid(PUBLISHED, 256, 100)
    assert x[0] == -1.0 and x[-1] == 1.0 and x[1] == pytest.approx(-0.99215686, abs=1e-8)
    assert np.allclose(t, np.arange(100) / 100)  # 0, 0.01, ..., 0.99 as in burgers_shock.mat


@pytest.mark.parametrize(
    "problem",
    [
        BurgersProblem(0.05, 1.0, 1, -1.0, 1.0, 0.0, 1.0),
        BurgersProblem(0.02, 0.5, 2, -1.0, 1.0, 0.0, 0.5),
    ],
)
def test_cole_hopf_solves_burgers_equation(problem: BurgersProblem) -> None:
    """Finite differences of the quadrature solution: initial condition, boundaries and a small residual."""
    x = np.linspace(problem.x_min, problem.x_max, 401)
    t = np.linspace(problem.t_min, problem.t_max, 201)
    u = cole_hopf(problem, x, t, quadrature_points=200).u
    assert np.allclose(u[:, 0], problem.initial_condition(x), atol=1e-12)
    assert np.abs(u[[0, -1], :]).max() < 1e-10
    dx, dt = x[1] - x[0], t[1] - t[0]
    u_t = (u[1:-1, 2:] - u[1:-1, :-2]) / (2 * dt)
    u_x = (u[2:, 1:-1] - u[:-2, 1:-1]) / (2 * dx)
    u_xx = (u[2:, 1:-1] - 2 * u[1:-1, 1:-1] + u[:-2, 1:-1]) / dx**2
    inner = u[1:-1, 1:-1]
    residual = u_t + inner * u_x - problem.viscosity * u_xx
    scale = np.abs(u_t).max()
    assert np.abs(residual).max() < 1e-3 * scale  # second-order differences on this grid
    wrong = u_t + inner * u_x - 2 * problem.viscosity * u_xx  # the test can tell ν from 2ν
    assert np.abs(wrong).max() > 1e-2 * scale


def test_cole_hopf_at_large_viscosity_decays_like_the_heat_equation() -> None:
    """With ν ≫ A the nonlinear term is negligible: u ≈ −A e^(−νπ²t) sin(πx)."""
    problem = BurgersProblem(1.0, 0.01, 1, -1.0, 1.0, 0.0, 0.2)
    x, t = evaluation_grid(problem, 65, 10)
    u = cole_hopf(problem, x, t, quadrature_points=100).u
    linear = -0.01 * np.exp(-(np.pi**2) * t)[None, :] * np.sin(np.pi * x)[:, None]
    assert relative_l2(u, linear) < 1e-2


def _mat(path: Path, solution: Solution) -> Path:
    scipy.io.savemat(path, {"x": solution.x[:, None], "t": solution.t[:, None], "usol": solution.u})
    return path


def test_published_file_is_parsed_and_a_damaged_one_named(tmp_path: Path) -> None:
    x, t = evaluation_grid(PUBLISHED, 32, 10)
    solution = cole_hopf(PUBLISHED, x, t, 100)
    loaded = load_published(_mat(tmp_path / "burgers_shock.mat", solution))
    assert np.array_equal(loaded.u, solution.u) and np.array_equal(loaded.x, x) and np.array_equal(loaded.t, t)
    damaged = tmp_path / "damaged.mat"
    damaged.write_bytes(b"MATLAB 5.0 MAT-file" + b"\0" * 50)
    with pytest.raises(RedesError, match=r"damaged\.mat"):
        load_published(damaged)
    scipy.io.savemat(tmp_path / "foreign.mat", {"x": x[:, None]})
    with pytest.raises(RedesError, match=r"foreign\.mat"):
        load_published(tmp_path / "foreign.mat")


def test_scoring_reference_is_the_mat_for_its_problem_and_cole_hopf_otherwise(tmp_path: Path) -> None:
    x, t = evaluation_grid(PUBLISHED, 64, 20)
    published = load_published(_mat(tmp_path / "burgers_shock.mat", cole_hopf(PUBLISHED, x, t, 150)))
    same_grid = PinnReference(x_points=64, t_points=20, quadrature_points=100)
    solution, card = scoring_reference(PUBLISHED, published, same_grid)
    assert card["scored_against"] == "burgers_shock.mat" and solution is published
    assert card["cole_hopf_max_abs_diff"] < 1e-8
    other = BurgersProblem(0.02, 1.0, 1, -1.0, 1.0, 0.0, 1.0)
    solution, card = scoring_reference(other, published, same_grid)
    assert card["scored_against"] == "cole_hopf" and solution.u.shape == (64, 20)
    assert np.array_equal(solution.u, cole_hopf(other, x, t, 100).u)
    save_solution(solution, tmp_path / "reference.npz")
    assert np.array_equal(load_solution(tmp_path / "reference.npz").u, solution.u)
    (tmp_path / "broken.npz").write_bytes(b"not an npz")
    with pytest.raises(RedesError, match=r"broken\.npz"):
        load_solution(tmp_path / "broken.npz")
