"""Stage `aircalc_train`: the symbol recogniser, the MNIST CNN with a 14-way softmax, tracked as one MLflow run.

Like every training of the course, an interrupted run resumes from its backup to the same weights.
"""

import shutil

from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage()
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aircalc.data import load_splits
    from redes.aircalc.models import build_recognizer
    from redes.classifier import fit_classifier
    from redes.files import write_csv, write_json
    from redes.training import save_model

    workspace, params = context.workspace, context.params
    recognizer = params.aircalc.recognizer
    data_file = workspace.processed("aircalc") / "aircalc.npz"
    splits = load_splits(data_file)
    with tracking.training_run(
        context,
        "aircalc",
        "recognizer",
        data_files=[*sorted(workspace.raw("aircalc").glob("*")), data_file],
        params={
            "base": params.base,
            "aircalc": {"data": params.aircalc.data, "recognizer": recognizer},
            "data.size": splits.sizes(),
        },
    ) as run:
        model, history = fit_classifier(
            lambda: build_recognizer(recognizer),
            recognizer,
            (splits.x_train, splits.y_train),
            (splits.x_val, splits.y_val),
            seed=params.base.seed,
            backup_dir=run.backup_dir,
            distribution=params.base.distribution,
            callbacks=[run.keras_callback()],
        )
        run.log_keras_model(model, splits.x_test[:2])
        model_dir = workspace.models("aircalc", "recognizer")
        save_model(model, model_dir / "model.keras")
        write_csv(history, workspace.plots("aircalc") / "recognizer_history.csv")
        write_json(model_dir / "run.json", {"experiment": "aircalc", "run_id": run.run_id})
    shutil.rmtree(run.backup_dir)


if __name__ == "__main__":
    run_stage(main)
