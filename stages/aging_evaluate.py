"""Stage `aging_evaluate`: the judge's error on real test faces, then every test face aged to every group and scored.

The scores over all groups go to reports/metrics/aging.json, each group's to reports/tables/aging/per_group.csv.
"""

from redes.aging.params import AgingParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"aging": AgingParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.aging.data import load_splits, to_unit_range
    from redes.aging.estimator import estimate_ages
    from redes.aging.evaluate import (
        estimator_scores,
        metrics_file,
        per_group_table,
        require_a_learnt_estimator,
        score_ager,
    )
    from redes.aging.figures import write_figures
    from redes.aging.render import Ager
    from redes.files import read_csv, read_json, write_csv, write_json
    from redes.training import load_model

    workspace = context.workspace
    splits = load_splits(workspace.processed("aging") / "faces.npz")
    faces, ages, genders, _ = splits.split("test")
    estimator_dir, caae_dir = workspace.models("aging", "estimator"), workspace.models("aging", "caae")
    estimator = load_model(estimator_dir / "model.keras")
    estimated_test_ages = estimate_ages(estimator, to_unit_range(faces))
    judge = estimator_scores(ages, estimated_test_ages, splits.age_train)
    require_a_learnt_estimator(judge, str(estimator_dir / "model.keras"))
    aging, rendered = score_ager(Ager.load(caae_dir), estimator, faces, ages, genders)
    metrics = {"estimator": judge, "aging": aging}
    history = read_csv(workspace.plots("aging") / "caae_history.csv")
    figure_paths = write_figures(
        faces, ages, rendered, estimated_test_ages, metrics, history, workspace.figures("aging")
    )
    run_ids = {
        name: read_json(folder / "run.json")["run_id"]
        for name, folder in (("estimator", estimator_dir), ("caae", caae_dir))
    }
    with tracking.evaluation_run(context, "aging", "estimator", run_ids["estimator"]) as run:
        run.log_metrics({"test": {key: judge[key] for key in ("test_mae", "constant_guess_mae")}})
    with tracking.evaluation_run(context, "aging", "caae", run_ids["caae"]) as run:
        run.log_metrics({"test": {key: value for key, value in aging.items() if key != "per_group"}})
        run.log_artifacts(figure_paths, "figures")
    write_csv(per_group_table(judge, aging), workspace.tables("aging") / "per_group.csv")
    write_json(workspace.metrics("aging"), metrics_file(judge, aging))
    write_json(workspace.runs("aging"), run_ids)
    print(
        f"estimator: test MAE {judge['test_mae']:.2f} years; aged faces: exact group {aging['group_accuracy']:.2%}, "
        f"within one {aging['group_accuracy_within_one']:.2%}, Spearman {aging['spearman_mean']:.3f}, "
        f"SSIM {aging['reconstruction_ssim']:.3f}, PSNR {aging['reconstruction_psnr']:.2f} dB"
    )


if __name__ == "__main__":
    run_stage(main)
