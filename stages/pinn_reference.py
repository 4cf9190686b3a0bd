"""Stage `pinn_reference`: the Burgers solution the PINN is scored against, and the Cole-Hopf check of the .mat.

Writes data/processed/pinn/reference.npz (u on the scoring grid) and card.json (which
source it is, and the maximum difference between Cole-Hopf and burgers_shock.mat).
"""

from redes.files import write_json
from redes.pinn.params import PinnParams
from redes.pinn.reference import load_published, problem_from_params, save_solution, scoring_reference
from redes.runtime import run_stage, start_stage


def main(argv: list[str]) -> None:
    context = start_stage({"pinn": PinnParams}, keras_backend=False)
    workspace, params = context.workspace, context.params.pinn
    published = load_published(workspace.raw("pinn") / "burgers_shock.mat")
    solution, card = scoring_reference(problem_from_params(params.equation), published, params.reference)
    save_solution(solution, workspace.processed("pinn") / "reference.npz")
    write_json(workspace.processed("pinn") / "card.json", card)
    print(
        f"scoring against {card['scored_against']} on {solution.u.shape[0]} x {solution.u.shape[1]} points; "
        f"Cole-Hopf vs burgers_shock.mat: max |difference| {card['cole_hopf_max_abs_diff']:.2e}"
    )


if __name__ == "__main__":
    run_stage(main)
