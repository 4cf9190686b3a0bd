"""Stage `har_evaluate`: every HAR model and seed on the test subjects, the baseline beside them.

Writes reports/metrics/har.json (mean ± std over seeds per model), the run ids, a
per-subject table and the figures, and adds each seed's test metrics to its MLflow run.
"""

import numpy as np

from redes import figures, tracking
from redes.files import read_csv, read_json, write_csv, write_json
from redes.har.baseline import load_baseline, window_statistics
from redes.har.data import load_windows
from redes.har.evaluate import (
    evaluate_predictions,
    per_subject_figure,
    per_subject_table,
    summarize,
    summed_confusion,
)
from redes.har.params import HAR_MODELS
from redes.har.train import load_har_model
from redes.runtime import run_stage, start_stage

BASELINE = "baseline"


def main(argv: list[str]) -> None:
    context = start_stage()
    workspace, params = context.workspace, context.params
    windows = load_windows(workspace.processed("har") / "har.npz")
    x_test, y_test, subjects = windows.x["test"], windows.y["test"], windows.subject["test"]
    classes, class_names = len(windows.activities), windows.class_names
    figures_dir = workspace.figures("har")
    metrics, run_ids = {}, {}
    for name in (*HAR_MODELS, BASELINE):
        model_dir = workspace.models("har", name)
        runs = read_json(model_dir / "runs.json")["run_ids"]
        evaluations = {}
        for seed, run_id in runs.items():
            if name == BASELINE:
                pipeline = load_baseline(model_dir / "model.joblib")
                predictions = pipeline.predict(window_statistics(x_test, params.har.baseline.spectrum_bins))
            else:
                model = load_har_model(model_dir / f"seed_{seed}" / "model.keras")
                predictions = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=1)
            evaluation = evaluate_predictions(y_test, predictions, subjects, classes)
            evaluations[int(seed)] = evaluation
            with tracking.start_run(
                context.store_root,
                "har",
                name,
                {"dvc.evaluate_stage": context.dvc_stage or "(run outside dvc)"},
                uri=context.tracking_uri,
                run_id=run_id,
            ) as run:
                run.log_metrics({"test": {"accuracy": evaluation.accuracy, "macro_f1": evaluation.macro_f1}})
        metrics[name], run_ids[name] = summarize(evaluations, class_names), runs
        entry = metrics[name]
        print(
            f"{name}: test accuracy {entry['test_accuracy_mean']:.4f} ± {entry['test_accuracy_std']:.4f} "
            f"over {len(evaluations)} seed(s), macro F1 {entry['macro_f1_mean']:.4f}"
        )
        figures.save(
            figures.confusion_matrix_figure(
                summed_confusion(evaluations),
                class_names,
                f"HAR {name}: test windows, summed over {len(evaluations)} seed(s)",
                xticks_rotation=45,
            ),
            figures_dir / f"{name}_confusion.png",
        )
        if name != BASELINE:
            histories = {f"seed {seed}": read_csv(workspace.plots("har") / name / f"seed_{seed}.csv") for seed in runs}
            figures.save(
                figures.training_curves_figure(histories, f"HAR {name}: training curves, every seed"),
                figures_dir / f"{name}_training_curves.png",
            )
    per_subject = per_subject_table(metrics)
    figures.save(
        per_subject_figure(per_subject, "HAR: test accuracy on each test subject (mean over seeds)"),
        figures_dir / "per_subject.png",
    )
    write_csv(per_subject.reset_index(), workspace.tables("har") / "per_subject.csv")
    write_json(workspace.metrics("har"), metrics)
    write_json(workspace.runs("har"), run_ids)


if __name__ == "__main__":
    run_stage(main)
