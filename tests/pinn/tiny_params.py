"""The `pinn` section shrunk for the tests: the synthetic burgers_shock.mat's grid, a 3-layer net, 40 steps."""

from __future__ import annotations


def shrink(pinn: dict) -> None:
    pinn["reference"].update(x_points=64, t_points=20)  # the synthetic burgers_shock.mat's grid
    pinn["forward"].update(initial_boundary_points=20, collocation_points=200)
    pinn["inverse"]["data_points"] = 200
    for case in ("forward", "inverse"):
        pinn[case]["network"].update(layers=3, width=8)
        pinn[case]["optimization"].update(
            adam_steps=20, quasi_newton_steps=20, record_every=5, checkpoint_every=5, jit_compile=False
        )
