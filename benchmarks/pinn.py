"""Benchmark: our PINN recipe for Burgers' equation against the paper's, one process, same machine.

Reference: Raissi et al.'s optimiser, L-BFGS-B alone from the random start (50 correction
pairs, 50 line-search steps), on the same network, points and seed. It is given float64
and zero tolerances (their ftol of machine epsilon stops it near 1e-2 once the loss is
~1e-6) and the issue's training budget, 30 minutes. Ours: `pinn.forward` of params.yaml,
trained as `dvc repro` does. Both record the relative L2 error on the 256 x 100 grid every
`record_every` steps: final error, training time, time to reach 1e-3, and the ratios.
Third column: DeepXDE on the same network, points and loss with its own optimisers
(benchmarks/pinn_deepxde.py, in a process of its own). Needs `dvc repro pinn_reference` first.

    uv run python benchmarks/pinn.py                  # all three, or: make benchmark
    uv run python benchmarks/pinn.py reference ours   # rerun some, keep the others' results
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from scoring import ratio

from redes.errors import RedesError
from redes.files import read_json, write_json
from redes.paths import Workspace
from redes.pinn.evaluate import time_to_error
from redes.pinn.reference import load_solution, problem_from_params
from redes.pinn.train import train_forward
from redes.provenance import machine
from redes.sections import load_all_params
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
        result = read_json(out)
    history = pd.DataFrame(result["rows"])
    summary = summarise(history, result["train_seconds"], f"{result['lbfgs_iterations']} L-BFGS iterations")
    return {**summary, "versions": result["versions"]}


RECIPES = ("deepxde", "reference", "ours")  # DeepXDE first: a missing package fails before the hour of the others


def main(argv: list[str]) -> None:
    """Run the recipes named in argv (all by default); the others' results stay as they are in pinn.json."""
    names = argv or list(RECIPES)
    if unknown := sorted(set(names) - set(RECIPES)):
        raise RedesError(f"unknown recipe {', '.join(unknown)}; expected some of {', '.join(RECIPES)}")
    workspace = Workspace(Path.cwd())
    params = load_all_params(workspace.params_file)
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
    out = workspace.root / "reports" / "benchmarks" / "pinn.json"
    results = read_json(out) if argv and out.exists() else {}
    results.update(recipes={"reference": paper.model_dump(), "ours": ours.model_dump()}, machine=machine())
    for name in names:
        if name == "deepxde":
            print("deepxde: its Burgers demo's Adam then L-BFGS, on our network, points and loss", flush=True)
            results[name] = deepxde(workspace.root)
        else:
            recipe, limit = (paper, REFERENCE_SECONDS) if name == "reference" else (ours, float("inf"))
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
        results["ratios"] = {
            f"{quantity}_ours_over_{other}": ratio(results["ours"][quantity], results[other][quantity])
            for other in ("reference", "deepxde")
            if "ours" in results and other in results
            for quantity in ("rel_l2", "seconds_to_1e-3", "train_seconds")
        }
        write_json(out, results)  # after each recipe: an interrupted benchmark keeps the finished ones
        r = results[name]
        print(
            f"{name}: relative L2 {r['rel_l2']:.2e} after {r['train_seconds']:.0f} s; "
            f"1e-3 reached after {r['seconds_to_1e-3']} s; wrote {out}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
