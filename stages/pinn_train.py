"""Stage `pinn_train@<case>`: the forward problem, or the inverse problem on clean or noisy data.

Each case is an MLflow run of experiment `pinn` with the loss history as metrics and
the network as a model. An interrupted stage resumes its training (and its run) from
the last backup in checkpoints/pinn when it runs again.
"""

import shutil

from redes.pinn.params import PinnParams
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    (case,) = argv
    context = start_stage({"pinn": PinnParams})
    # Imported once start_stage has validated params: these load TensorFlow, seconds a bad key should not cost.
    from redes import tracking
    from redes.files import write_csv
    from redes.pinn.reference import load_solution, problem_from_params
    from redes.pinn.train import history_plot, save_trained, train_forward, train_inverse

    workspace, params = context.workspace, context.params
    case_params = params.pinn.case(case)  # fails on an unknown case before any work
    problem = problem_from_params(params.pinn.equation)
    reference_file = workspace.processed("pinn") / "reference.npz"
    reference = load_solution(reference_file)
    section = "forward" if case == "forward" else "inverse"
    noise = {} if case == "forward" else {"noise": params.pinn.noise(case)}
    with tracking.training_run(
        context,
        "pinn",
        case,
        data_files=[reference_file],
        params={"base": params.base, "pinn": {"equation": params.pinn.equation, section: case_params}, **noise},
    ) as run:
        checkpoint_dir = run.backup_dir / "training"
        if case == "forward":
            trained = train_forward(problem, reference, case_params, params.base.seed, checkpoint_dir=checkpoint_dir)
        else:
            trained = train_inverse(
                problem, reference, case_params, noise["noise"], params.base.seed, checkpoint_dir=checkpoint_dir
            )
        for row in trained.history.to_dict("records"):
            run.log_metrics({k: v for k, v in row.items() if k not in ("phase", "step", "iteration")}, row["iteration"])
        run.log_metrics({"train_seconds": trained.seconds})
        run.log_keras_model(trained.network, reference.points()[0][:2])
        save_trained(trained, workspace.models("pinn", case), run.run_id)
    write_csv(history_plot(trained.history), workspace.plots("pinn") / f"{case}.csv")
    shutil.rmtree(run.backup_dir, ignore_errors=True)


if __name__ == "__main__":
    run_stage(main)
