"""Where the PINN is trained: collocation, initial/boundary and data points, all seeded.

Raissi et al.'s choices: N_f collocation points by Latin hypercube over the domain,
N_u points drawn from the reference grid's initial line and two boundary lines (and
also used as collocation points), and for the inverse problem N points of the
reference solution, with Gaussian noise of a given fraction of u's std.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from redes.errors import RedesError
from redes.pinn.reference import BurgersProblem, Solution


@dataclass(frozen=True)
class TrainingPoints:
    """What the losses are computed on (NumPy, float64; cast to the network's dtype when used).

    Forward problem: initial and boundary points with their u (the N_u points), and
    collocation points (N_f) where only the residual is asked to vanish. Inverse problem:
    data points with measured u, which are also its collocation points.
    """

    collocation: np.ndarray  # (n_f, 2)
    initial: np.ndarray | None = None  # (n, 2) at t = t_min
    initial_u: np.ndarray | None = None  # (n,)
    boundary: np.ndarray | None = None  # (n, 2) at x = x_min or x_max
    boundary_u: np.ndarray | None = None
    data: np.ndarray | None = None  # (n, 2) inside the domain
    data_u: np.ndarray | None = None

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **{name: value for name, value in vars(self).items() if value is not None})
        return path

    @classmethod
    def load(cls, path: Path) -> TrainingPoints:
        try:
            with np.load(path) as arrays:
                return cls(**{name: arrays[name] for name in arrays.files})
        except FileNotFoundError:
            raise RedesError(f"{path} is missing; run `dvc repro` to train the PINN") from None
        except (OSError, ValueError, TypeError) as error:
            raise RedesError(f"{path} is damaged ({error}); delete it and run `dvc repro`") from None


def latin_hypercube(count: int, lower: tuple[float, float], upper: tuple[float, float], seed: int) -> np.ndarray:
    """`count` points (t, x) in [lower, upper], one in each of `count` slices along each axis."""
    unit = qmc.LatinHypercube(d=2, rng=np.random.default_rng(seed)).random(count)
    return qmc.scale(unit, lower, upper)


def forward_points(
    problem: BurgersProblem, grid: Solution, initial_boundary: int, collocation: int, seed: int
) -> TrainingPoints:
    """N_u initial/boundary points from the grid (u from the conditions), N_f + N_u collocation points."""
    rng = np.random.default_rng(seed)
    x, t = grid.x, grid.t
    candidates = np.concatenate(
        [
            np.stack([np.full_like(x, problem.t_min), x], axis=1),
            np.stack([t, np.full_like(t, problem.x_min)], axis=1),
            np.stack([t, np.full_like(t, problem.x_max)], axis=1),
        ]
    )
    if initial_boundary > len(candidates):
        raise ValueError(
            f"{initial_boundary} initial/boundary points asked for, the grid has {len(candidates)}; "
            "lower initial_boundary_points or raise the reference grid's size"
        )
    chosen = np.sort(rng.choice(len(candidates), initial_boundary, replace=False))
    picked = candidates[chosen]
    on_initial = chosen < len(x)
    lower, upper = (problem.t_min, problem.x_min), (problem.t_max, problem.x_max)
    interior = latin_hypercube(collocation, lower, upper, seed)
    return TrainingPoints(
        collocation=np.concatenate([interior, picked]),
        initial=picked[on_initial],
        initial_u=problem.initial_condition(picked[on_initial, 1]),
        boundary=picked[~on_initial],
        boundary_u=np.zeros(int((~on_initial).sum())),
    )


def inverse_points(solution: Solution, count: int, noise: float, seed: int) -> TrainingPoints:
    """`count` grid points of the solution, u + noise·std(u)·N(0, 1); they are the collocation points too."""
    rng = np.random.default_rng(seed)
    points, u = solution.points()
    if count > len(points):
        raise ValueError(f"{count} data points asked for, the grid has {len(points)}")
    chosen = rng.choice(len(points), count, replace=False)
    measured = u[chosen] + noise * np.std(u[chosen]) * rng.standard_normal(count)
    return TrainingPoints(collocation=points[chosen], data=points[chosen], data_u=measured)
