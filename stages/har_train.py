"""Stage `har_train@<model>`: train one HAR model once per seed, each seed an MLflow run.

A stage interrupted during a seed resumes that seed from its backup (and continues
its MLflow run) when it runs again; seeds already finished are not trained again.
"""

import shutil

from redes import tracking
from redes.files import write_csv, write_json
from redes.har.data import load_windows
from redes.har.train import load_finished, save_finished, train_seed
from redes.provenance import MODEL_REQUIREMENTS, data_hashes, library_versions, run_tags
from redes.runtime import run_stage, start_stage
from redes.sources import SOURCES
from redes.training import backup_dir_for


def main(argv: list[str]) -> None:
    (model_name,) = argv
    context = start_stage()
    workspace, params = context.workspace, context.params
    model_params = params.har.model(model_name)
    data_file = workspace.processed("har") / "har.npz"
    windows = load_windows(data_file)
    (source,) = SOURCES["hapt"]
    data_sha256 = data_hashes([workspace.raw("hapt") / source.filename, data_file])
    tags = run_tags(workspace.root, context.dvc_stage, context.dvc_exp_name, data_sha256)
    model_dir, plots_dir = workspace.models("har", model_name), workspace.plots("har") / model_name
    shutil.rmtree(plots_dir, ignore_errors=True)  # a run with fewer seeds leaves no stale curves
    run_ids, seed_dirs = {}, []
    for seed in params.har.seed_list(params.base.seed):
        identity = (
            params.base.deterministic,
            params.base.distribution,
            params.har.data.model_dump(),
            model_params.model_dump(),
            data_sha256,
            seed,
        )
        seed_dir = backup_dir_for(workspace.checkpoints("har"), f"{model_name}-seed{seed}", identity)
        seed_dirs.append(seed_dir)
        finished_dir = seed_dir / "finished"
        if finished_dir.exists():
            print(f"{model_name}, seed {seed}: trained by an earlier, interrupted run of this stage")
        else:
            with tracking.start_run(
                context.store_root,
                "har",
                f"{model_name}-seed{seed}",
                {**tags, "seed": str(seed)},
                uri=context.tracking_uri,
                resume_file=seed_dir / "mlflow_run_id",
            ) as run:
                run.log_params(
                    {
                        "base": {**params.base.model_dump(), "seed": seed},
                        "har": {"data": params.har.data.model_dump(), model_name: model_params.model_dump()},
                    }
                )
                run.log_params({"data.windows": {split: len(y) for split, y in windows.y.items()}})
                model, history = train_seed(
                    model_name,
                    model_params,
                    windows,
                    seed,
                    deterministic=params.base.deterministic,
                    backup_dir=seed_dir / "training",
                    distribution=params.base.distribution,
                    callbacks=[run.keras_callback()],
                )
                run.log_keras_model(model, windows.x["test"][:2], library_versions(MODEL_REQUIREMENTS))
                save_finished(finished_dir, model, history, run.run_id)
        finished = load_finished(finished_dir)
        (model_dir / f"seed_{seed}").mkdir(parents=True, exist_ok=True)
        shutil.copy2(finished.model_file, model_dir / f"seed_{seed}" / "model.keras")
        write_csv(finished.history, plots_dir / f"seed_{seed}.csv")
        run_ids[str(seed)] = finished.run_id
    write_json(model_dir / "runs.json", {"experiment": "har", "run_ids": run_ids})
    for seed_dir in seed_dirs:  # every seed is in the stage's outputs now
        shutil.rmtree(seed_dir, ignore_errors=True)


if __name__ == "__main__":
    run_stage(main)
