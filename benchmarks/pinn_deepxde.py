"""DeepXDE's column of benchmarks/pinn.py: the same problem, network, points and float64, trained by DeepXDE.

DeepXDE (TensorFlow backend, as shipped: no XLA on a CPU) with its Burgers demo's
recipe, Adam at the demo's learning rate for `pinn.forward`'s Adam steps, then DeepXDE's
L-BFGS (TensorFlow Probability's, DeepXDE's options) for the iterations that fit the
reference's 30-minute budget on the benchmark machine (LBFGS_ITERATIONS). The loss is
ours term for term: the mean squared residual at our collocation points plus the initial
and the boundary terms, each a `PointSetBC` on our N_u points. The network is ours too
(inputs scaled to [−1, 1]²) and starts from our initial weights, as the other two recipes
do, so the optimisers make the difference, not the draw.
DeepXDE's L-BFGS runs as one TensorFlow graph, so its error is known when it ends.

benchmarks/pinn.py runs this in its own process (DeepXDE fixes its backend and float
type when imported) with DDE_BACKEND=tensorflow:

    python benchmarks/pinn_deepxde.py RESULT.json [LBFGS_ITERATIONS]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from redes.errors import RedesError
from redes.files import write_json
from redes.paths import Workspace
from redes.pinn.reference import load_solution, problem_from_params, relative_l2
from redes.pinn.sampling import forward_points
from redes.sections import load_all_params
from redes.seeding import seed_everything

DEMO_LEARNING_RATE = 1e-3  # examples/pinn_forward/Burgers.py
# TFP's L-BFGS is one graph: it cannot be stopped on time, and DeepXDE restarts it from
# scratch if trained again. So its iterations are fixed from a measured rate: on the
# 2-core benchmark machine 5,000 iterations took 1,838 s after the 1,000 Adam steps' 74 s;
# 4,700 fill the rest of 30 minutes.
LBFGS_ITERATIONS = 4_700


class _ErrorCurve:
    """The error on the reference grid at the steps it is recorded, against training time (scoring excluded)."""

    def __init__(self, model, grid: np.ndarray, u_reference: np.ndarray) -> None:
        self.model, self.grid, self.u_reference = model, grid, u_reference
        self.rows: list[dict] = []
        self.scoring_seconds = 0.0
        self.started = time.perf_counter()

    def record(self, iteration: int) -> None:
        seconds = time.perf_counter() - self.started - self.scoring_seconds
        scoring_started = time.perf_counter()
        error = relative_l2(self.model.predict(self.grid).ravel(), self.u_reference)
        loss = float(np.sum(self.model.train_state.loss_train))
        self.rows.append({"iteration": iteration, "seconds": seconds, "loss": loss, "rel_l2": error})
        print(f"  deepxde: step {iteration}, {seconds:7.1f} s, loss {loss:.3e}, relative L2 {error:.3e}", flush=True)
        self.scoring_seconds += time.perf_counter() - scoring_started


def main(argv: list[str]) -> None:
    out, lbfgs_iterations = argv[0], int(argv[1]) if len(argv) > 1 else LBFGS_ITERATIONS
    if os.environ.get("DDE_BACKEND") != "tensorflow":
        raise RedesError("run with DDE_BACKEND=tensorflow (benchmarks/pinn.py does)")
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file)
    seed_everything(params.base.seed, params.base.deterministic)
    try:
        import deepxde as dde
    except ImportError:
        raise RedesError(
            "DeepXDE is not installed: it is in the `benchmark` dependency group, which `make benchmark` installs"
        ) from None
    import tensorflow as tf

    from redes.pinn.physics import build_network

    problem = problem_from_params(params.pinn.equation)
    reference = load_solution(workspace.processed("pinn") / "reference.npz")
    recipe = params.pinn.forward
    network, optimization, seed = recipe.network, recipe.optimization, params.base.seed
    dde.config.set_default_float(network.dtype)
    dde.config.set_random_seed(seed)
    points = forward_points(problem, reference, recipe.initial_boundary_points, recipe.collocation_points, seed)

    viscosity = problem.viscosity

    def burgers(inputs, u):  # inputs are (t, x), our column order
        u_t = dde.grad.jacobian(u, inputs, i=0, j=0)
        u_x = dde.grad.jacobian(u, inputs, i=0, j=1)
        u_xx = dde.grad.hessian(u, inputs, i=1, j=1)
        return u_t + u * u_x - viscosity * u_xx

    lower = np.array([problem.t_min, problem.x_min])
    upper = np.array([problem.t_max, problem.x_max])
    conditions = [
        dde.icbc.PointSetBC(points.initial, points.initial_u.reshape(-1, 1)),
        dde.icbc.PointSetBC(points.boundary, points.boundary_u.reshape(-1, 1)),
    ]
    data = dde.data.PDE(
        dde.geometry.Rectangle(lower, upper),
        burgers,
        conditions,
        num_domain=0,
        num_boundary=0,
        anchors=points.collocation,
    )
    net = dde.nn.FNN([2] + [network.width] * (network.layers - 1) + [1], network.activation, "Glorot normal")
    centre, half_width = (lower + upper) / 2, (upper - lower) / 2
    net.apply_feature_transform(lambda inputs: (inputs - centre) / half_width)
    ours = build_network(network.layers, network.width, network.activation, network.dtype, lower, upper, seed)
    net(np.zeros((1, 2), dtype=network.dtype))  # creates the weights
    our_denses = [layer for layer in ours.layers if isinstance(layer, tf.keras.layers.Dense)]
    for dense, our_dense in zip(net.denses, our_denses, strict=True):
        dense.set_weights(our_dense.get_weights())
    model = dde.Model(data, net)
    grid, u_reference = reference.points()
    curve = _ErrorCurve(model, grid, u_reference)

    class Recorder(dde.callbacks.Callback):
        def on_epoch_end(self) -> None:
            step = model.train_state.step
            if step % optimization.record_every == 0:
                curve.record(step)

    model.compile("adam", lr=DEMO_LEARNING_RATE)
    curve.started = time.perf_counter()
    model.train(
        iterations=optimization.adam_steps,
        display_every=optimization.record_every,
        callbacks=[Recorder()],
        verbose=0,
    )
    dde.optimizers.set_LBFGS_options(maxiter=lbfgs_iterations)
    model.compile("L-BFGS")
    model.train(verbose=0)
    curve.record(int(model.train_state.step))
    last = curve.rows[-1]
    write_json(
        Path(out),
        {
            "rows": curve.rows,
            "train_seconds": last["seconds"],
            "lbfgs_iterations": int(model.train_state.step) - optimization.adam_steps,
            "versions": {"deepxde": dde.__version__, "tensorflow": tf.__version__},
        },
    )


if __name__ == "__main__":
    main(sys.argv[1:])
