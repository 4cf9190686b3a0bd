"""Stage `pinn_evaluate`: every PINN against the reference solution; metrics, run ids and figures.

Writes reports/metrics/pinn.json ({"forward": …, "inverse": {"clean": …, "noisy": …},
"reference": …}), reports/runs/pinn.json and reports/figures/pinn, and adds the
evaluation to each training's MLflow run.
"""

from redes.pinn.params import PinnParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"pinn": PinnParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import figures, tracking
    from redes.files import read_json, write_json
    from redes.pinn.evaluate import evaluate_case, lambda_curves_figure
    from redes.pinn.params import PINN_CASES
    from redes.pinn.reference import load_solution, problem_from_params
    from redes.pinn.train import load_trained

    workspace, params = context.workspace, context.params
    problem = problem_from_params(params.pinn.equation)
    reference = load_solution(workspace.processed("pinn") / "reference.npz")
    card = read_json(workspace.processed("pinn") / "card.json")
    figures_dir = workspace.figures("pinn")
    metrics = {"reference": {"cole_hopf_max_abs_diff": card["cole_hopf_max_abs_diff"]}, "inverse": {}}
    run_ids, inverse_histories = {}, {}
    for case in PINN_CASES:
        trained, run_ids[case] = load_trained(workspace.models("pinn", case))
        result, figure_paths = evaluate_case(case, trained, problem, reference, card["scored_against"], figures_dir)
        if case == "forward":
            metrics["forward"] = result
        else:
            noise = case.removeprefix("inverse_")
            metrics["inverse"][noise], inverse_histories[noise] = result, trained.history
        print(f"{case}: " + ", ".join(f"{name} {value:.4g}" for name, value in result.items()))
        with tracking.evaluation_run(context, "pinn", case, run_ids[case]) as run:
            run.log_metrics({"evaluation": result})
            run.log_artifacts(figure_paths, "figures")
    figures.save(
        lambda_curves_figure(inverse_histories, problem, "Burgers PINN: identified coefficients"),
        figures_dir / "inverse_lambdas.png",
    )
    write_json(workspace.metrics("pinn"), metrics)
    write_json(workspace.runs("pinn"), run_ids)


if __name__ == "__main__":
    run_stage(main)
