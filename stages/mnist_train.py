"""Stage `mnist_train@<model>`: train the MLP or the CNN, tracked as one MLflow run.

An interrupted training (killed, machine rebooted) resumes from its last backup and
continues the same MLflow run when the stage runs again, to the same weights as a run
never interrupted. The backup goes only once the model is logged and saved.
"""

import shutil

from redes.mnist.params import MnistParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    (model_name,) = argv
    context = start_stage({"mnist": MnistParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.files import write_csv, write_json
    from redes.mnist.data import load_splits
    from redes.mnist.train import train
    from redes.training import save_model

    workspace, params = context.workspace, context.params
    model_params = params.mnist.model(model_name)
    data_file = workspace.processed("mnist") / "mnist.npz"
    splits = load_splits(data_file)
    with tracking.training_run(
        context,
        "mnist",
        model_name,
        data_files=[*sorted(workspace.raw("mnist").glob("*")), data_file],
        params={
            "base": params.base,
            "mnist": {"data": params.mnist.data, model_name: model_params},
            "data.size": splits.sizes(),
        },
    ) as run:
        model, history = train(
            model_name,
            model_params,
            splits,
            seed=params.base.seed,
            backup_dir=run.backup_dir,
            distribution=params.base.distribution,
            callbacks=[run.keras_callback()],
        )
        run.log_keras_model(model, splits.x_test[:2])
        model_dir = workspace.models("mnist", model_name)
        save_model(model, model_dir / "model.keras")
        write_csv(history, workspace.plots("mnist") / f"{model_name}_history.csv")
        write_json(model_dir / "run.json", {"experiment": "mnist", "run_id": run.run_id})
    shutil.rmtree(run.backup_dir)


if __name__ == "__main__":
    run_stage(main)
