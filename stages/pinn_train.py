"""Stage `pinn_train@<case>`: the forward problem, or the inverse problem on clean or noisy data.

Each case is an MLflow run of experiment `pinn` with the loss history as metrics and
the network as a model. An interrupted stage resumes its training (and its run) from
the last backup in checkpoints/pinn when it runs again.
"""

import shutil

from redes import tracking
from redes.files import write_csv
from redes.pinn.reference import load_solution, problem_from_params
from redes.pinn.train import history_plot, save_trained, train_forward, train_inverse
from redes.provenance import MODEL_REQUIREMENTS, data_hashes, library_versions, run_tags
from redes.runtime import run_stage, start_stage
from redes.training import backup_dir_for


def main(argv: list[str]) -> None:
    (case,) = argv
    context = start_stage()
    workspace, params = context.workspace, context.params
    case_params = params.pinn.case(case)  # fails on an unknown case before any work
    problem = problem_from_params(params.pinn.equation)
    reference_file = workspace.processed("pinn") / "reference.npz"
    reference = load_solution(reference_file)
    data_sha256 = data_hashes([reference_file])
    identity = (params.base.model_dump(), params.pinn.equation.model_dump(), case_params.model_dump(), data_sha256)
    backup_dir = backup_dir_for(workspace.checkpoints("pinn"), case, identity)
    tags = run_tags(workspace.root, context.dvc_stage, context.dvc_exp_name, data_sha256)
    with tracking.start_run(
        context.store_root, "pinn", case, tags, uri=context.tracking_uri, resume_file=backup_dir / "mlflow_run_id"
    ) as run:
        section = "forward" if case == "forward" else "inverse"
        run.log_params({"base": params.base.model_dump(), "pinn": {"equation": params.pinn.equation.model_dump()}})
        run.log_params({"pinn": {section: case_params.model_dump()}})
        if case == "forward":
            trained = train_forward(
                problem, reference, case_params, params.base.seed, checkpoint_dir=backup_dir / "training"
            )
        else:
            noise = params.pinn.noise(case)
            run.log_params({"noise": noise})
            trained = train_inverse(
                problem, reference, case_params, noise, params.base.seed, checkpoint_dir=backup_dir / "training"
            )
        for row in trained.history.to_dict("records"):
            run.log_metrics({k: v for k, v in row.items() if k not in ("phase", "step", "iteration")}, row["iteration"])
        run.log_metrics({"train_seconds": trained.seconds})
        run.log_keras_model(trained.network, reference.points()[0][:2], library_versions(MODEL_REQUIREMENTS))
        save_trained(trained, workspace.models("pinn", case), run.run_id)
    write_csv(history_plot(trained.history), workspace.plots("pinn") / f"{case}.csv")
    shutil.rmtree(backup_dir, ignore_errors=True)


if __name__ == "__main__":
    run_stage(main)
