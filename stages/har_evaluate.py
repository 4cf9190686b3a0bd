"""Stage `har_evaluate`: every HAR model and seed on the test subjects, the baseline beside them.

Writes reports/metrics/har.json (mean ± std over seeds per model), the run ids, the tables of
every seed, class and test subject, and the figures, and adds each seed's test metrics to its MLflow run.
"""

from redes.har.params import HarParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"har": HarParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.classifier_metrics import require_better_than_chance
    from redes.files import read_csv, read_json, write_json
    from redes.har.data import load_windows
    from redes.har.evaluate import (
        BASELINE,
        evaluate_predictions,
        metrics_entry,
        summarize,
        test_predictions,
        write_model_figures,
        write_tables,
    )
    from redes.har.params import HAR_MODELS

    workspace, params = context.workspace, context.params
    windows = load_windows(workspace.processed("har") / "har.npz")
    x_test, y_test, subjects = windows.x["test"], windows.y["test"], windows.subject["test"]
    summaries, run_ids = {}, {}
    for name in (*HAR_MODELS, BASELINE):
        model_dir = workspace.models("har", name)
        run_ids[name] = read_json(model_dir / "runs.json")["run_ids"]
        evaluations = {}
        for seed, run_id in run_ids[name].items():
            predictions = test_predictions(name, model_dir, seed, x_test, params.har.baseline)
            evaluation = evaluations[int(seed)] = evaluate_predictions(
                y_test, predictions, subjects, len(windows.activities)
            )
            require_better_than_chance(evaluation, f"{model_dir} (seed {seed})" if name != BASELINE else str(model_dir))
            with tracking.evaluation_run(context, "har", name, run_id) as run:
                run.log_metrics({"test": {"accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1}})
        entry = summaries[name] = summarize(evaluations, windows.class_names)
        print(
            f"{name}: test accuracy {entry['test_accuracy_mean']:.4f} ± {entry['test_accuracy_std']:.4f} "
            f"over {len(evaluations)} seed(s), macro F1 {entry['macro_f1_mean']:.4f}"
        )
        plots = workspace.plots("har") / name
        histories = {seed: read_csv(plots / f"seed_{seed}.csv") for seed in evaluations} if name != BASELINE else {}
        write_model_figures(name, evaluations, windows.class_names, histories, workspace.figures("har"))
    write_tables(summaries, workspace.figures("har") / "per_subject.png", workspace.tables("har"))
    write_json(workspace.metrics("har"), {name: metrics_entry(summary) for name, summary in summaries.items()})
    write_json(workspace.runs("har"), run_ids)


if __name__ == "__main__":
    run_stage(main)
