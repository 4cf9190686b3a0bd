"""Benchmark: our PINN recipe for Burgers' equation against the paper's, one process, same machine.

Reference: Raissi et al.'s optimiser, L-BFGS-B alone from the random start (50 correction
pairs, 50 line-search steps), on the same network, points and seed. It is given float64
and zero tolerances (their ftol of machine epsilon stops it near 1e-2 once the loss is
~1e-6) and the issue's training budget, 30 minutes. Ours: `pinn.forward` of params.yaml,
trained as `dvc repro` does. Both record the relative L2 error on the 256 x 100 grid every
`record_every` steps: final error, training time, time to reach 1e-3, and the ratios.
Needs `dvc repro pinn_reference` first.

    uv run python benchmarks/pinn.py   # or: make benchmark
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from scoring import ratio

from redes.config import load_params
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
    results = {}
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
        "rel_l2_ours_over_reference": ratio(results["ours"]["rel_l2"], results["reference"]["rel_l2"]),
        "seconds_to_1e-3_ours_over_reference": ratio(
            results["ours"]["seconds_to_1e-3"], results["reference"]["seconds_to_1e-3"]
        ),
        "train_seconds_ours_over_reference": ratio(
            results["ours"]["train_seconds"], results["reference"]["train_seconds"]
        ),
    }
    results["machine"] = machine()
    out = write_json(workspace.root / "reports" / "benchmarks" / "pinn.json", results)
    print(f"wrote {out}")
    for name in ("reference", "ours"):
        r = results[name]
        print(
            f"{name:>9}: relative L2 {r['rel_l2']:.2e} after {r['train_seconds']:.0f} s; "
            f"1e-3 reached after {r['seconds_to_1e-3']} s"
        )


if __name__ == "__main__":
    main()
