"""Stage `har_baseline`: logistic regression on per-window statistics, fitted on the training subjects."""

from redes import tracking
from redes.files import write_json
from redes.har.baseline import MODEL_FILE, build_baseline, save_baseline, window_statistics
from redes.har.data import load_windows
from redes.har.params import HarParams
from redes.runtime import run_stage, start_stage
from redes.sources import SOURCES


def main(argv: list[str]) -> None:
    context = start_stage({"har": HarParams}, keras_backend=False)
    workspace, params = context.workspace, context.params
    baseline_params = params.har.baseline
    data_file = workspace.processed("har") / "har.npz"
    windows = load_windows(data_file)
    (source,) = SOURCES["hapt"]
    features = window_statistics(windows.x["train"], baseline_params.spectrum_bins)
    with tracking.training_run(
        context,
        "har",
        "baseline",
        data_files=[workspace.raw("hapt") / source.filename, data_file],
        params={"har": {"baseline": baseline_params}, "data.features": features.shape[1]},
        resumable=False,
    ) as run:
        run.autolog_sklearn()  # the pipeline's params, training metrics and the fitted model
        pipeline = build_baseline(baseline_params, params.base.seed).fit(features, windows.y["train"])
        model_dir = workspace.models("har", "baseline")
        save_baseline(pipeline, model_dir / MODEL_FILE)
        write_json(model_dir / "runs.json", {"experiment": "har", "run_ids": {str(params.base.seed): run.run_id}})
    print(f"baseline: logistic regression on {features.shape[1]} statistics per window")


if __name__ == "__main__":
    run_stage(main)
