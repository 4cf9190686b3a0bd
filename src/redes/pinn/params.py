"""The `pinn` section of params.yaml: Burgers' equation, the scoring grid, and the forward and inverse trainings."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from redes.schema import Activation, PositiveFloat, PositiveInt, Section

# The PINN's trainings: one forward problem, the inverse problem on clean and on noisy data.
PINN_CASES = ("forward", "inverse_clean", "inverse_noisy")


class PinnEquation(Section):
    """u_t + u u_x − ν u_xx = 0 on [x_min, x_max] × [t_min, t_max], u(t_min, x) = −A sin(kπx), u = 0 at both ends."""

    viscosity: PositiveFloat  # ν
    amplitude: float  # A
    wavenumber: PositiveInt  # k
    x_min: float
    x_max: float
    t_min: float
    t_max: float

    @model_validator(mode="after")
    def _well_posed(self) -> PinnEquation:
        if not self.x_min < self.x_max:
            raise ValueError(f"the domain is empty: x_min {self.x_min} must be below x_max {self.x_max}")
        if not self.t_min < self.t_max:
            raise ValueError(f"the domain is empty: t_min {self.t_min} must be below t_max {self.t_max}")
        if self.amplitude == 0:
            raise ValueError("amplitude 0 makes u = 0 everywhere; choose a non-zero amplitude")
        for name, end in (("x_min", self.x_min), ("x_max", self.x_max)):
            # u(t, end) = 0 needs the initial condition to vanish there: k·end an integer
            if not math.isclose(self.wavenumber * end, round(self.wavenumber * end), abs_tol=1e-9):
                raise ValueError(
                    f"{name} {end}: −A sin(kπx) with k = {self.wavenumber} is not 0 there, so the boundary "
                    "condition u = 0 contradicts the initial condition; put the ends at multiples of 1/k"
                )
        return self


class PinnReference(Section):
    """The grid the PINN is scored on (256 × 100, that of burgers_shock.mat) and Cole-Hopf's quadrature."""

    x_points: Annotated[int, Field(ge=2)]
    t_points: Annotated[int, Field(ge=2)]
    quadrature_points: Annotated[int, Field(ge=10, le=300)]  # Gauss-Hermite nodes (NumPy's overflow past ~350)


class PinnNetwork(Section):
    """u(t, x) as a dense network; `layers` counts weight layers (Raissi et al.'s "9 layers": 8 hidden + output)."""

    layers: Annotated[int, Field(ge=2)]
    width: PositiveInt
    activation: Activation
    dtype: Literal["float32", "float64"]


class PinnOptimization(Section):
    """Adam steps, then quasi-Newton steps on the flat parameter vector."""

    adam_steps: Annotated[int, Field(ge=0)]
    adam_learning_rate: PositiveFloat
    quasi_newton: Literal["bfgs", "l-bfgs-b"]  # dense BFGS (scipy's O(n²) update) or the paper's L-BFGS-B
    quasi_newton_steps: Annotated[int, Field(ge=0)]
    record_every: PositiveInt  # steps between two rows of the loss history
    checkpoint_every: PositiveInt  # steps between two backups of an interrupted training
    jit_compile: bool  # XLA for the loss and its gradient


class PinnForward(Section):
    initial_boundary_points: PositiveInt  # N_u, drawn from the grid's initial and boundary points
    collocation_points: PositiveInt  # N_f, Latin hypercube over the domain
    network: PinnNetwork
    optimization: PinnOptimization


class PinnNoise(Section):
    """Std of the Gaussian noise on the measured u, as a fraction of u's std (Raissi et al.'s convention)."""

    clean: Annotated[float, Field(ge=0.0)]
    noisy: Annotated[float, Field(ge=0.0)]


class PinnInverse(Section):
    """Identify λ₁, λ₂ in u_t + λ₁ u u_x − λ₂ u_xx = 0 from measured u (λ start at 0)."""

    data_points: PositiveInt  # N, drawn from the reference grid; also the collocation points
    noise: PinnNoise
    network: PinnNetwork
    optimization: PinnOptimization


class PinnParams(Section):
    equation: PinnEquation
    reference: PinnReference
    forward: PinnForward
    inverse: PinnInverse

    def case(self, name: str) -> PinnForward | PinnInverse:
        """The params section a training case reads: `forward` or `inverse`."""
        if name not in PINN_CASES:
            raise ValueError(f"unknown PINN case {name!r}; expected one of {', '.join(PINN_CASES)}")
        return self.forward if name == "forward" else self.inverse

    def noise(self, name: str) -> float:
        """The noise level of an inverse case (inverse_clean → noise.clean)."""
        return getattr(self.inverse.noise, name.removeprefix("inverse_"))
