"""Benchmark: our PINN recipe for Burgers' equation against the paper's, one process, same machine.

Reference: Raissi et al.'s optimiser, L-BFGS-B alone from the random start (50 correction
pairs, 50 line-search steps), on the same network, points and seed. It is given float64
and zero tolerances (their ftol of machine epsilon stops it near 1e-2 once the loss is
~1e-6) and the issue's training budget, 30 minutes. Ours: `pinn.forward` of params.yaml,
trained as `dvc repro` does. Both record the relative L2 error on the 256 x 100 grid every
`record_every` steps: final error, training time, time to reach 1e-3, and the ratios.
Third column: DeepXDE on the same network, points and loss with its own optimisers
(benchmarks/pinn_deepxde.py, in a process of its own). Needs `dvc repro pinn_reference` first.

    uv run python benchmarks/pinn.py   # or: make benchmark
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from scoring import ratio

from redes.config import load_params
from redes.errors import RedesError
from redes.files import write_json
from redes.paths import Workspace
from redes.pinn.evaluate import time_to_error
from redes.pinn.reference import load_solution, problem_from_params
from redes.pinn.train import train_forward
from redes.provenance import machine
from redes.seeding import seed_everything

TARGET_ERROR = 1e-3
REFERENCE_SECONDS = 1800.0  # the training budget
REFERENCE_STEPS = 50_000  # the paper's maxiter


def summarise(history, seconds: float, stop_reason: str) -> dict:
    return {
        "rel_l2": float(history["rel_l2"].iloc[-1]),
        "best_rel_l2": float(history["rel_l2"].min()),
        "train_seconds": seconds,
        "seconds_to_1e-3": time_to_error(history, TARGET_ERROR),
        "iterations": int(history["iteration"].iloc[-1]),
        "stop_reason": stop_reason,
        "curve": history[["iteration", "seconds", "loss", "rel_l2"]].to_dict("records"),
    }


def deepxde(root: Path) -> dict:
    """benchmarks/pinn_deepxde.py's result, run as its own process with DeepXDE's TensorFlow backend."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "deepxde.json"
        script = Path(__file__).with_name("pinn_deepxde.py")
        completed = subprocess.run(
            [sys.executable, str(script), str(out)], cwd=root, env={**os.environ, "DDE_BACKEND": "tensorflow"}
        )
        if completed.returncode != 0:
            raise RedesError(f"{script.name} failed (exit {completed.returncode}); its output is above")
        result = json.loads(out.read_text())
    history = pd.DataFrame(result["rows"])
    summary = summarise(history, result["train_seconds"], f"{result['lbfgs_iterations']} L-BFGS iterations")
    return {**summary, "versions": result["versions"]}


def main() -> None:
    workspace = Workspace(Path.cwd())
    params = load_params(workspace.params_file)
    problem = problem_from_params(params.pinn.equation)
    reference = load_solution(workspace.processed("pinn") / "reference.npz")
    ours = params.pinn.forward
    paper = ours.model_copy(
        update={
            "optimization": ours.optimization.model_copy(
                update={"adam_steps": 0, "quasi_newton": "l-bfgs-b", "quasi_newton_steps": REFERENCE_STEPS}
            )
        }
    )
    # DeepXDE first: a missing package fails the benchmark before the hour of the other two
    print("deepxde: its Burgers demo's Adam then L-BFGS, on our network, points and loss", flush=True)
    results = {"deepxde": deepxde(workspace.root)}
    for name, recipe, limit in (("reference", paper, REFERENCE_SECONDS), ("ours", ours, float("inf"))):
        optimization = recipe.optimization
        print(
            f"{name}: {optimization.adam_steps} Adam steps, then up to {optimization.quasi_newton_steps} "
            f"{optimization.quasi_newton} steps ({recipe.network.dtype})",
            flush=True,
        )
        seed_everything(params.base.seed, params.base.deterministic)
        with tempfile.TemporaryDirectory() as checkpoints:
            trained = train_forward(
                problem, reference, recipe, params.base.seed, checkpoint_dir=Path(checkpoints), time_limit=limit
            )
        results[name] = summarise(trained.history, trained.seconds, trained.stop_reason)
    results["recipes"] = {"reference": paper.model_dump(), "ours": ours.model_dump()}
    results["ratios"] = {
        f"{quantity}_ours_over_{other}": ratio(results["ours"][quantity], results[other][quantity])
        for other in ("reference", "deepxde")
        for quantity in ("rel_l2", "seconds_to_1e-3", "train_seconds")
    }
    results["machine"] = machine()
    out = write_json(workspace.root / "reports" / "benchmarks" / "pinn.json", results)
    print(f"wrote {out}")
    for name in ("reference", "ours", "deepxde"):
        r = results[name]
        print(
            f"{name:>9}: relative L2 {r['rel_l2']:.2e} after {r['train_seconds']:.0f} s; "
            f"1e-3 reached after {r['seconds_to_1e-3']} s"
        )


if __name__ == "__main__":
    main()
