"""Stage `mnist_train@<model>`: train the MLP or the CNN, tracked as one MLflow run.

An interrupted training (killed, machine rebooted) resumes from its last backup and
continues the same MLflow run when the stage runs again.
"""

from redes import tracking
from redes.files import write_csv, write_json
from redes.mnist.data import load_splits
from redes.mnist.train import train
from redes.provenance import MODEL_REQUIREMENTS, data_hashes, library_versions, run_tags
from redes.runtime import run_stage, start_stage
from redes.training import backup_dir_for, save_model


def main(argv: list[str]) -> None:
    (model_name,) = argv
    context = start_stage()
    workspace, params = context.workspace, context.params
    model_params = params.mnist.model(model_name)
    data_file = workspace.processed("mnist") / "mnist.npz"
    splits = load_splits(data_file)
    data_sha256 = data_hashes([*sorted(workspace.raw("mnist").glob("*")), data_file])
    tags = run_tags(workspace.root, context.dvc_stage, context.dvc_exp_name, data_sha256)
    identity = (params.base.model_dump(), params.mnist.data.model_dump(), model_params.model_dump(), data_sha256)
    backup_dir = backup_dir_for(workspace.checkpoints("mnist"), model_name, identity)
    with tracking.start_run(
        context.store_root,
        "mnist",
        model_name,
        tags,
        uri=context.tracking_uri,
        resume_file=backup_dir / "mlflow_run_id",
    ) as run:
        run.log_params(
            {
                "base": params.base.model_dump(),
                "mnist": {"data": params.mnist.data.model_dump(), model_name: model_params.model_dump()},
            }
        )
        run.log_params({"data.size": splits.sizes()})
        model, history = train(
            model_name,
            model_params,
            splits,
            backup_dir=backup_dir,
            distribution=params.base.distribution,
            callbacks=[run.keras_callback()],
        )
        model_dir = workspace.models("mnist", model_name)
        save_model(model, model_dir / "model.keras")
        write_csv(history, workspace.plots("mnist") / f"{model_name}_history.csv")
        run.log_keras_model(model, splits.x_test[:2], library_versions(MODEL_REQUIREMENTS))
        write_json(model_dir / "run.json", {"experiment": "mnist", "run_id": run.run_id})


if __name__ == "__main__":
    run_stage(main)
