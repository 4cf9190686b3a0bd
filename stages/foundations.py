"""Stage `foundations`: the notes' equations from scratch, checked against TensorFlow and scikit-learn.

Writes the checks (metrics and a table), the figures, and one MLflow run; then fails, naming
each check that missed its tolerance, so a wrong implementation cannot pass `dvc repro`.
"""

from redes.foundations.params import FoundationsParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"foundations": FoundationsParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.files import write_csv, write_json
    from redes.foundations.figures import write_figures
    from redes.foundations.run import bundled_data_files, check_table, metrics, raise_on_failure, run_foundations

    workspace, params = context.workspace, context.params
    results = run_foundations(params.foundations, params.base.seed)
    figure_paths = write_figures(results, workspace.figures("foundations"))
    table_path = write_csv(check_table(results.checks), workspace.tables("foundations") / "checks.csv")
    summary = metrics(results)
    metrics_path = write_json(workspace.metrics("foundations"), summary)
    with tracking.training_run(
        context,
        "foundations",
        "foundations",
        data_files=bundled_data_files(),
        params={"base": params.base, "foundations": params.foundations},
        resumable=False,
    ) as run:
        # Every check's error too: MLflow compares two runs' checks where `dvc exp show` would drown in them.
        run.log_metrics(
            {**summary, "checks": {check.name: {"max_rel_error": check.max_rel_error} for check in results.checks}}
        )
        run.log_artifacts(figure_paths, "figures")
        run.log_artifacts([table_path, metrics_path])
    write_json(workspace.runs("foundations"), {"foundations": run.run_id})
    print(f"foundations: {summary['checks_passed']} of {len(results.checks)} checks passed")
    raise_on_failure(results.checks)


if __name__ == "__main__":
    run_stage(main)
