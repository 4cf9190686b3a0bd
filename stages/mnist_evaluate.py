"""Stage `mnist_evaluate`: both models' test metrics, per-digit accuracy and figures, added to their MLflow runs."""

from redes.mnist.params import MnistParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"mnist": MnistParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.classifier_metrics import require_better_than_chance
    from redes.files import read_csv, read_json, write_csv, write_json
    from redes.mnist.data import load_splits
    from redes.mnist.evaluate import evaluate, per_class_table, write_figures
    from redes.mnist.params import MNIST_MODELS
    from redes.training import load_model

    workspace = context.workspace
    splits = load_splits(workspace.processed("mnist") / "mnist.npz")
    evaluations, run_ids = {}, {}
    for model_name in MNIST_MODELS:
        model_dir = workspace.models("mnist", model_name)
        evaluation = evaluations[model_name] = evaluate(
            load_model(model_dir / "model.keras"), splits.x_test, splits.y_test
        )
        require_better_than_chance(evaluation, str(model_dir / "model.keras"))
        history = read_csv(workspace.plots("mnist") / f"{model_name}_history.csv")
        figure_paths = write_figures(
            model_name, evaluation, splits.x_test, splits.y_test, history, workspace.figures("mnist")
        )
        run_id = read_json(model_dir / "run.json")["run_id"]
        with tracking.evaluation_run(context, "mnist", model_name, run_id) as run:
            run.log_metrics({"test": {**evaluation.metrics(), "per_class_accuracy": evaluation.per_class_accuracy}})
            run.log_artifacts(figure_paths, "figures")
        run_ids[model_name] = run_id
        print(f"{model_name}: test accuracy {evaluation.accuracy:.4f}, macro F1 {evaluation.macro_f1:.4f}")
    write_csv(per_class_table(evaluations), workspace.tables("mnist") / "per_class_accuracy.csv")
    write_json(workspace.metrics("mnist"), {name: evaluation.metrics() for name, evaluation in evaluations.items()})
    write_json(workspace.runs("mnist"), run_ids)


if __name__ == "__main__":
    run_stage(main)
