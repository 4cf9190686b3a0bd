"""Stage `aircalc_train`: the symbol recogniser, `members` MNIST CNNs with a 14-way softmax, tracked as one MLflow run.

Each member trains from its own seed; the saved recogniser averages their probabilities.
Like every training of the course, an interrupted run resumes from its backup to the
same weights, and members already trained are not trained again.
"""

import shutil

from redes.aircalc.params import AircalcParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aircalc": AircalcParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aircalc.data import load_splits
    from redes.aircalc.models import average_members, build_recognizer
    from redes.classifier import fit_classifier
    from redes.files import write_csv, write_json
    from redes.seeding import seed_everything
    from redes.training import load_finished, load_model, save_finished, save_model

    workspace, params = context.workspace, context.params
    recognizer = params.aircalc.recognizer
    seeds = recognizer.seed_list(params.base.seed)
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
        members = {}
        for seed in seeds:
            finished_dir = run.backup_dir / f"seed_{seed}"
            if finished_dir.exists():
                print(f"member with seed {seed}: trained by an earlier, interrupted run of this stage")
            else:
                seed_everything(seed, params.base.deterministic)
                model, history = fit_classifier(
                    lambda seed=seed: build_recognizer(recognizer, name=f"member_seed{seed}"),
                    recognizer,
                    (splits.x_train, splits.y_train),
                    (splits.x_val, splits.y_val),
                    seed=seed,
                    backup_dir=run.backup_dir / f"training_seed_{seed}",
                    distribution=params.base.distribution,
                    # One member keeps Keras' metric names; several are told apart by seed.
                    callbacks=[run.keras_callback(f"seed_{seed}_" if len(seeds) > 1 else "")],
                )
                save_finished(finished_dir, model, history, run.run_id)
            members[seed] = load_finished(finished_dir)
        model = average_members([load_model(member.model_file) for member in members.values()])
        run.log_keras_model(model, splits.x_test[:2])
        model_dir, plots_dir = workspace.models("aircalc", "recognizer"), workspace.plots("aircalc") / "recognizer"
        save_model(model, model_dir / "model.keras")
        shutil.rmtree(plots_dir, ignore_errors=True)  # rewritten whole: fewer members leave no stale curves
        for seed, member in members.items():
            write_csv(member.history, plots_dir / f"seed_{seed}.csv")
        write_json(model_dir / "run.json", {"experiment": "aircalc", "run_id": run.run_id})
    shutil.rmtree(run.backup_dir)


if __name__ == "__main__":
    run_stage(main)
