"""Stage `pinn_evaluate`: every PINN against the reference solution; metrics, run ids and figures.

Writes reports/metrics/pinn.json ({"forward": …, "inverse": {"clean": …, "noisy": …},
"reference": …}), reports/runs/pinn.json and reports/figures/pinn, and adds the
evaluation to each training's MLflow run.
"""

from redes import figures, tracking
from redes.files import read_json, write_json
from redes.pinn.evaluate import (
    field_figure,
    forward_metrics,
    inverse_metrics,
    lambda_curves_figure,
    loss_curves_figure,
    slices_figure,
)
from redes.pinn.params import PINN_CASES
from redes.pinn.physics import predict
from redes.pinn.reference import load_solution, problem_from_params
from redes.pinn.train import load_trained
from redes.runtime import run_stage, start_stage

TITLES = {
    "forward": "forward problem",
    "inverse_clean": "inverse problem, clean data",
    "inverse_noisy": "inverse problem, noisy data",
}


def main(argv: list[str]) -> None:
    context = start_stage()
    workspace, params = context.workspace, context.params
    problem = problem_from_params(params.pinn.equation)
    reference = load_solution(workspace.processed("pinn") / "reference.npz")
    card = read_json(workspace.processed("pinn") / "card.json")
    grid, _ = reference.points()
    figures_dir = workspace.figures("pinn")
    metrics = {"reference": {"cole_hopf_max_abs_diff": card["cole_hopf_max_abs_diff"]}, "inverse": {}}
    run_ids, inverse_histories = {}, {}
    for case in PINN_CASES:
        trained, run_ids[case] = load_trained(workspace.models("pinn", case))
        predicted = predict(trained.network, grid).reshape(reference.u.shape)
        if case == "forward":
            result = metrics["forward"] = forward_metrics(predicted, reference, trained.seconds)
        else:
            result = inverse_metrics(trained.lambdas, problem, predicted, reference, trained.seconds)
            metrics["inverse"][case.removeprefix("inverse_")] = result
            inverse_histories[case.removeprefix("inverse_")] = trained.history
        print(f"{case}: " + ", ".join(f"{name} {value:.4g}" for name, value in result.items()))
        title = f"Burgers PINN, {TITLES[case]} (vs {card['scored_against']})"
        figures.save(field_figure(predicted, reference, trained.points, title), figures_dir / f"{case}_field.png")
        figures.save(slices_figure(predicted, reference, title), figures_dir / f"{case}_slices.png")
        figures.save(loss_curves_figure(trained.history, title), figures_dir / f"{case}_loss.png")
        with tracking.start_run(
            context.store_root,
            "pinn",
            case,
            {"dvc.evaluate_stage": context.dvc_stage or "(run outside dvc)"},
            uri=context.tracking_uri,
            run_id=run_ids[case],
        ) as run:
            run.log_metrics({"evaluation": result})
            run.log_artifacts([figures_dir / f"{case}_field.png", figures_dir / f"{case}_slices.png"], "figures")
    figures.save(
        lambda_curves_figure(inverse_histories, problem, "Burgers PINN: identified coefficients"),
        figures_dir / "inverse_lambdas.png",
    )
    write_json(workspace.metrics("pinn"), metrics)
    write_json(workspace.runs("pinn"), run_ids)


if __name__ == "__main__":
    run_stage(main)
