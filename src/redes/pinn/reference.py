"""Reference solutions of Burgers' equation that the PINN is scored against.

Two independent sources: the published `burgers_shock.mat` of Raissi et al. (only for
their problem: ν = 0.01/π, u(0, x) = −sin(πx) on [−1, 1] × [0, 1)), and the exact
solution by the Cole-Hopf transformation, computed here for any viscosity, amplitude
and wavenumber in params. The stage records how far the two differ on the .mat's
problem; the PINN is scored against the .mat when params describe that problem and
against Cole-Hopf otherwise.

Cole-Hopf: u = −2ν φ_x / φ turns Burgers' equation into the heat equation
φ_t = ν φ_xx, with φ(0, x) = exp(−∫₀ˣ u₀ / 2ν). Convolving with the heat kernel and
moving the derivative onto φ₀ (φ₀' = −u₀ φ₀ / 2ν) gives, with η = x − y,

    u(t, x) = ∫ u₀(x − η) φ₀(x − η) e^(−η²/4νt) dη / ∫ φ₀(x − η) e^(−η²/4νt) dη,

which holds at t = 0 too. η = √(4νt) z turns both integrals into Gauss-Hermite sums.
For u₀ = −A sin(kπx) on the whole line, the solution is odd about every zero n/k of
u₀, so it vanishes at x = ±1 and solves the boundary-value problem as posed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io
from scipy.io.matlab import MatReadError
from scipy.special import logsumexp

from redes.errors import RedesError
from redes.pinn.params import PinnEquation, PinnReference

# The problem burgers_shock.mat solves (Raissi et al. 2019, section 3.1).
MAT_VISCOSITY = 0.01 / np.pi
MAT_AMPLITUDE = 1.0
MAT_WAVENUMBER = 1


@dataclass(frozen=True)
class BurgersProblem:
    """u_t + u u_x − ν u_xx = 0, u(0, x) = −A sin(kπx), u = 0 on the ends of [x_min, x_max]."""

    viscosity: float
    amplitude: float
    wavenumber: int
    x_min: float
    x_max: float
    t_min: float
    t_max: float

    def initial_condition(self, x: np.ndarray) -> np.ndarray:
        return -self.amplitude * np.sin(self.wavenumber * np.pi * x)

    @property
    def is_published(self) -> bool:
        """Whether burgers_shock.mat is a solution of this problem."""
        return (
            np.isclose(self.viscosity, MAT_VISCOSITY, rtol=1e-12, atol=0)
            and self.amplitude == MAT_AMPLITUDE
            and self.wavenumber == MAT_WAVENUMBER
            and (self.x_min, self.x_max, self.t_min, self.t_max) == (-1.0, 1.0, 0.0, 1.0)
        )


def problem_from_params(equation: PinnEquation) -> BurgersProblem:
    """The problem `pinn.equation` in params describes."""
    return BurgersProblem(**equation.model_dump())


@dataclass(frozen=True)
class Solution:
    """u on a grid: `u[i, j]` = u(t[j], x[i]) (the layout of burgers_shock.mat's `usol`)."""

    x: np.ndarray  # (n_x,)
    t: np.ndarray  # (n_t,)
    u: np.ndarray  # (n_x, n_t)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """Every grid point as (n, 2) columns (t, x) and its u as (n,), x varying fastest per t."""
        t_grid, x_grid = np.meshgrid(self.t, self.x)
        return np.stack([t_grid.ravel(), x_grid.ravel()], axis=1), self.u.ravel()


def save_solution(solution: Solution, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=solution.x, t=solution.t, u=solution.u)
    return path


def load_solution(path: Path) -> Solution:
    """A solution written by `save_solution`; a missing or damaged file is named in the error."""
    try:
        with np.load(path) as arrays:
            return Solution(x=arrays["x"], t=arrays["t"], u=arrays["u"])
    except FileNotFoundError:
        raise RedesError(f"{path} is missing; run `dvc repro pinn_reference`") from None
    except (OSError, ValueError, KeyError) as error:
        raise RedesError(f"{path} is damaged ({error}); delete it and run `dvc repro pinn_reference`") from None


def load_published(path: Path) -> Solution:
    """burgers_shock.mat as a Solution; a damaged or foreign file is named in the error."""
    try:
        content = scipy.io.loadmat(path)
        x, t, u = (np.asarray(content[key], dtype=np.float64) for key in ("x", "t", "usol"))
    except (OSError, ValueError, KeyError, TypeError, IndexError, MatReadError) as error:
        raise RedesError(
            f"{path} is not the Burgers reference (.mat with x, t, usol): {error}; "
            "delete it and rerun `dvc repro pinn_download`"
        ) from None
    x, t = x.ravel(), t.ravel()
    if u.shape != (x.size, t.size):
        raise RedesError(f"{path}: usol has shape {u.shape}, expected (len(x), len(t)) = ({x.size}, {t.size})")
    return Solution(x=x, t=t, u=u)


def evaluation_grid(problem: BurgersProblem, x_points: int, t_points: int) -> tuple[np.ndarray, np.ndarray]:
    """The .mat's grid, stretched over the problem's domain: x with both ends, t without the last."""
    x = np.linspace(problem.x_min, problem.x_max, x_points)
    t = problem.t_min + (problem.t_max - problem.t_min) * np.arange(t_points) / t_points
    return x, t


def cole_hopf(problem: BurgersProblem, x: np.ndarray, t: np.ndarray, quadrature_points: int) -> Solution:
    """The exact solution on the grid x × t by Gauss-Hermite quadrature of the Cole-Hopf integrals."""
    nodes, weights = np.polynomial.hermite.hermgauss(quadrature_points)
    nu, amplitude, k = problem.viscosity, problem.amplitude, problem.wavenumber

    def log_phi0(y: np.ndarray) -> np.ndarray:
        # −∫₀ʸ u₀ / 2ν with u₀ = −A sin(kπs): A (1 − cos(kπy)) / (2νkπ)
        return amplitude * (1.0 - np.cos(k * np.pi * y)) / (2.0 * nu * k * np.pi)

    u = np.empty((x.size, t.size))
    for j, time in enumerate(t):
        y = x[:, None] - np.sqrt(4.0 * nu * (time - problem.t_min)) * nodes[None, :]  # (n_x, nodes)
        # φ₀ spans e^(A/νkπ) (e^100 for the default): sum in logs, with signed weights for u₀
        log_terms = log_phi0(y) + np.log(weights)[None, :]
        numerator = logsumexp(log_terms, axis=1, b=problem.initial_condition(y), return_sign=True)
        denominator = logsumexp(log_terms, axis=1)
        u[:, j] = numerator[1] * np.exp(numerator[0] - denominator)
    return Solution(x=x, t=t, u=u)


def max_abs_difference(a: Solution, b: Solution) -> float:
    """max |a − b| over a common grid (the grids must agree to rounding)."""
    if a.u.shape != b.u.shape or not (np.allclose(a.x, b.x, atol=1e-12) and np.allclose(a.t, b.t, atol=1e-12)):
        raise ValueError("the two solutions are on different grids")
    return float(np.max(np.abs(a.u - b.u)))


def relative_l2(predicted: np.ndarray, reference: np.ndarray) -> float:
    """‖predicted − reference‖₂ / ‖reference‖₂ over every grid point (Raissi et al.'s error)."""
    return float(np.linalg.norm(predicted - reference) / np.linalg.norm(reference))


def scoring_reference(
    problem: BurgersProblem, published: Solution, params: PinnReference
) -> tuple[Solution, dict[str, object]]:
    """The solution to score the PINN against, and a card saying which it is and how the two sources agree.

    Cole-Hopf is always computed for the .mat's own problem on its grid, and its
    maximum difference from the .mat recorded: the check that both are right.
    """
    mat_problem = BurgersProblem(MAT_VISCOSITY, MAT_AMPLITUDE, MAT_WAVENUMBER, -1.0, 1.0, 0.0, 1.0)
    check = cole_hopf(mat_problem, published.x, published.t, params.quadrature_points)
    card: dict[str, object] = {
        "cole_hopf_max_abs_diff": max_abs_difference(check, published),
        "quadrature_points": params.quadrature_points,
    }
    if problem.is_published and (params.x_points, params.t_points) == published.u.shape:
        solution, card["scored_against"] = published, "burgers_shock.mat"
    else:
        x, t = evaluation_grid(problem, params.x_points, params.t_points)
        solution, card["scored_against"] = cole_hopf(problem, x, t, params.quadrature_points), "cole_hopf"
    card["grid"] = {"x_points": solution.x.size, "t_points": solution.t.size}
    return solution, card
