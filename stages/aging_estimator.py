"""Stage `aging_estimator`: the age estimator that judges the aged faces, trained on real training faces only.

Tracked as one MLflow run; an interrupted training resumes from its backup to the same weights.
"""

import shutil

from redes.aging.params import AgingParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aging": AgingParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aging.data import load_splits, to_unit_range
    from redes.aging.estimator import train_estimator
    from redes.files import write_csv, write_json
    from redes.training import save_model

    workspace, params = context.workspace, context.params
    estimator = params.aging.estimator
    data_file = workspace.processed("aging") / "faces.npz"
    splits = load_splits(data_file)
    with tracking.training_run(
        context,
        "aging",
        "estimator",
        data_files=[*sorted(workspace.raw("utkface").glob("*")), data_file],
        params={
            "base": params.base,
            "aging": {"data": params.aging.data, "estimator": estimator},
            "data.size": splits.sizes(),
        },
    ) as run:
        model, history = train_estimator(
            estimator,
            (to_unit_range(splits.x_train), splits.age_train),
            (to_unit_range(splits.x_val), splits.age_val),
            image_size=params.aging.data.image_size,
            seed=params.base.seed,
            backup_dir=run.backup_dir,
            distribution=params.base.distribution,
            callbacks=[run.keras_callback()],
        )
        run.log_keras_model(model, to_unit_range(splits.x_test[:2]))
        model_dir = workspace.models("aging", "estimator")
        save_model(model, model_dir / "model.keras")
        write_csv(history, workspace.plots("aging") / "estimator_history.csv")
        write_json(model_dir / "run.json", {"experiment": "aging", "run_id": run.run_id})
    shutil.rmtree(run.backup_dir)


if __name__ == "__main__":
    run_stage(main)
