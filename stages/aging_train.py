"""Stage `aging_train`: the conditional adversarial autoencoder, its four players trained together, one MLflow run.

The encoder and generator, what aging a face needs, are saved as the face ager that
`aging_evaluate`, `redes age` and the web page load. Like every training of the course,
an interrupted run resumes from its backup (all four players and their three optimizers)
to the same weights.
"""

import shutil

from redes.aging.params import AgingParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aging": AgingParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aging.data import load_splits
    from redes.aging.render import Ager
    from redes.aging.train import train_caae
    from redes.files import write_csv, write_json

    workspace, params = context.workspace, context.params
    caae_params = params.aging.caae
    data_file = workspace.processed("aging") / "faces.npz"
    splits = load_splits(data_file)
    with tracking.training_run(
        context,
        "aging",
        "caae",
        data_files=[*sorted(workspace.raw("utkface").glob("*")), data_file],
        params={
            "base": params.base,
            "aging": {"data": params.aging.data, "caae": caae_params},
            "data.size": splits.sizes(),
        },
    ) as run:
        caae, history = train_caae(
            caae_params,
            splits.split("train")[:3],
            splits.split("validation")[:3],
            seed=params.base.seed,
            backup_dir=run.backup_dir,
            distribution=params.base.distribution,
            callbacks=[run.keras_callback()],
        )
        model_dir = Ager(caae.encoder, caae.generator).save(workspace.models("aging", "caae"))
        run.log_artifacts(sorted(model_dir.glob("*.keras")), "ager")
        write_csv(history, workspace.plots("aging") / "caae_history.csv")
        write_json(model_dir / "run.json", {"experiment": "aging", "run_id": run.run_id})
    shutil.rmtree(run.backup_dir)


if __name__ == "__main__":
    run_stage(main)
