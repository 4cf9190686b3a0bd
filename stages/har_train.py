"""Stage `har_train@<model>`: train one HAR model once per seed, each seed an MLflow run.

A stage interrupted during a seed resumes that seed from its backup (and continues
its MLflow run) when it runs again; seeds already finished are not trained again.
"""

from redes.har.params import HarParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    (model_name,) = argv
    context = start_stage({"har": HarParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.har.data import load_windows
    from redes.har.train import publish_seeds, train_seed
    from redes.sources import SOURCES
    from redes.training import load_finished, save_finished

    workspace, params = context.workspace, context.params
    model_params = params.har.model(model_name)
    data_file = workspace.processed("har") / "har.npz"
    windows = load_windows(data_file)
    (source,) = SOURCES["hapt"]
    finished = {}
    for seed in params.har.seed_list(params.base.seed):
        with tracking.training_run(
            context,
            "har",
            f"{model_name}-seed{seed}",
            data_files=[workspace.raw("hapt") / source.filename, data_file],
            params={
                "base": {**params.base.model_dump(), "seed": seed},
                "har": {"data": params.har.data, model_name: model_params},
                "data.windows": {split: len(y) for split, y in windows.y.items()},
            },
            tags={"seed": str(seed)},
        ) as run:
            finished_dir = run.backup_dir / "finished"
            if finished_dir.exists():
                print(f"{model_name}, seed {seed}: trained by an earlier, interrupted run of this stage")
            else:
                model, history = train_seed(
                    model_name,
                    model_params,
                    windows,
                    seed,
                    deterministic=params.base.deterministic,
                    backup_dir=run.backup_dir / "training",
                    distribution=params.base.distribution,
                    callbacks=[run.keras_callback()],
                )
                run.log_keras_model(model, windows.x["test"][:2])
                save_finished(finished_dir, model, history, run.run_id)
            finished[seed] = load_finished(finished_dir)
    publish_seeds(finished, workspace.models("har", model_name), workspace.plots("har") / model_name)


if __name__ == "__main__":
    run_stage(main)
