"""Stage `aircalc_evaluate`: symbols, 2,000 composed test expressions and the camera path, scored and timed.

The headline numbers go to reports/metrics/aircalc.json; each symbol's and each operator form's recall and
what the camera check wrote and read, to reports/tables/aircalc/ for the report.
"""

import tempfile
from pathlib import Path

from redes.aircalc.params import AircalcParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aircalc": AircalcParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aircalc.airwriting import HandTracker
    from redes.aircalc.data import load_splits
    from redes.aircalc.evaluate import camera_check, pools_of_test_split, score_expressions, score_symbols
    from redes.aircalc.figures import write_figures
    from redes.aircalc.recognize import Recognizer
    from redes.classifier_metrics import require_better_than_chance
    from redes.files import read_csv, read_json, write_csv, write_json
    from redes.photo import read_photo

    workspace, params = context.workspace, context.params.aircalc
    splits = load_splits(workspace.processed("aircalc") / "aircalc.npz")
    model_dir, raw = workspace.models("aircalc", "recognizer"), workspace.raw("aircalc")
    recognizer = Recognizer.load(model_dir / "model.keras", min_confidence=params.reading.min_confidence)
    symbols = score_symbols(recognizer, splits)
    require_better_than_chance(symbols, str(model_dir / "model.keras"))
    expressions = score_expressions(
        recognizer,
        pools_of_test_split(splits),
        count=params.expressions.count,
        seed=params.expressions.seed,
        min_symbols=params.expressions.min_symbols,
        max_symbols=params.expressions.max_symbols,
    )
    with HandTracker(raw / "hand_landmarker.task") as tracker, tempfile.TemporaryDirectory() as scratch:
        camera = camera_check(tracker, read_photo(raw / "hand_thumb_up.jpg"), recognizer, Path(scratch) / "air.avi")
    latency = expressions.latency_ms()
    metrics = {
        "symbols": symbols.to_dict(),
        "expressions": {**expressions.to_dict(), "latency_ms": latency},
        "latency_ms_per_expression": latency["mean"],
        "camera_fps": camera["fps"],
    }
    tables = workspace.tables("aircalc")
    for name, table in symbols.recall_tables().items():
        write_csv(table, tables / name)
    write_json(tables / "camera_check.json", camera)
    curves = sorted((workspace.plots("aircalc") / "recognizer").glob("seed_*.csv"))
    histories = {f"seed {path.stem.removeprefix('seed_')}": read_csv(path) for path in curves}
    figure_paths = write_figures(symbols, expressions, histories, workspace.figures("aircalc"))
    run_id = read_json(model_dir / "run.json")["run_id"]
    with tracking.evaluation_run(context, "aircalc", "recognizer", run_id) as run:
        # Not the per-class recalls: MLflow refuses "+" or "÷" in a metric's name.
        symbol_metrics = {
            "test_accuracy": symbols.accuracy,
            "macro_f1": symbols.macro_f1,
            "per_form_recall": symbols.per_form_recall,
        }
        run.log_metrics({"test": {"symbols": symbol_metrics, "expressions": metrics["expressions"]}})
        run.log_metrics({"camera_fps": camera["fps"]})
        run.log_artifacts(figure_paths, "figures")
    write_json(workspace.metrics("aircalc"), metrics)
    write_json(workspace.runs("aircalc"), {"recognizer": run_id})
    print(
        f"symbols: test accuracy {symbols.accuracy:.4f}; expressions: exact {expressions.exact_match:.4f}, "
        f"value {expressions.value_accuracy:.4f}; {latency['mean']:.1f} ms each; camera {camera['fps']:.1f} frames/s"
    )


if __name__ == "__main__":
    run_stage(main)
