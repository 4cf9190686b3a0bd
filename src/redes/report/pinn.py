"""The PINN section of the report: Burgers' equation solved and its coefficients identified."""

from __future__ import annotations

from redes.config import Params, flatten
from redes.files import read_json
from redes.paths import Workspace
from redes.pinn.params import PINN_CASES
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table, sources_table

CASE_TITLES = {
    "forward": "forward problem",
    "inverse_clean": "inverse problem, clean data",
    "inverse_noisy": "inverse problem, noisy data",
}

# Raissi et al.'s relative L2 error of the forward problem, for this network and these point counts.
FORWARD_ANCHOR = 6.7e-4


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("pinn"))
    run_ids = read_json(workspace.runs("pinn"))
    card = read_json(workspace.processed("pinn") / "card.json")
    equation, forward, inverse = params.pinn.equation, params.pinn.forward, params.pinn.inverse
    reference = (
        "the published solution `burgers_shock.mat` (Raissi et al.)"
        if card["scored_against"] == "burgers_shock.mat"
        else "the Cole-Hopf solution computed by the pipeline (params differ from the published problem)"
    )
    results = Table(
        ("case", "relative L2 on the grid", "λ₁ (error)", "λ₂ (error)", "training seconds", "MLflow run"),
        (
            (
                CASE_TITLES["forward"],
                f"{metrics['forward']['rel_l2']:.2e}",
                "",
                "",
                f"{metrics['forward']['train_seconds']:.0f}",
                f"`{run_ids['forward']}`",
            ),
            *(
                (
                    CASE_TITLES[f"inverse_{name}"],
                    f"{result['rel_l2']:.2e}",
                    f"{result['lambda1']:.5f} ({100 * result['lambda1_rel_error']:.2g} %)",
                    f"{result['lambda2']:.6f} ({100 * result['lambda2_rel_error']:.2g} %)",
                    f"{result['train_seconds']:.0f}",
                    f"`{run_ids[f'inverse_{name}']}`",
                )
                for name, result in metrics["inverse"].items()
            ),
        ),
    )
    figures = workspace.figures("pinn")
    blocks = [
        Text(
            f"u_t + u u_x − ν u_xx = 0 with ν = {equation.viscosity:.6g}, u({equation.t_min:g}, x) = "
            f"−{equation.amplitude:g} sin({equation.wavenumber}πx) and u = 0 at x = {equation.x_min:g} and "
            f"{equation.x_max:g}, for t up to {equation.t_max:g} (Raissi, Perdikaris, Karniadakis 2019). A "
            f"{forward.network.layers}-layer {forward.network.activation} network of width {forward.network.width} "
            f"({forward.network.dtype}) is fitted to {forward.initial_boundary_points} initial and boundary points "
            f"while the residual, by automatic differentiation, is driven to zero at "
            f"{forward.collocation_points:,} Latin-hypercube collocation points: "
            f"{forward.optimization.adam_steps:,} Adam steps, then up to {forward.optimization.quasi_newton_steps:,} "
            f"{forward.optimization.quasi_newton.upper()} steps. The inverse problem identifies λ₁ and λ₂ in "
            f"u_t + λ₁ u u_x − λ₂ u_xx = 0 from {inverse.data_points:,} points of the reference solution, clean and "
            f"with Gaussian noise of {inverse.noise.noisy:.0%} of u's standard deviation."
        ),
        Text(
            f"Scored against {reference} on its {card['grid']['x_points']} × {card['grid']['t_points']} grid. "
            "Check of the reference: the exact solution by the Cole-Hopf transformation "
            f"({card['quadrature_points']} Gauss-Hermite nodes) differs from burgers_shock.mat by at most "
            f"{metrics['reference']['cole_hopf_max_abs_diff']:.1e}. Anchors: relative L2 {FORWARD_ANCHOR:.1e} for "
            "this network and these point counts (Raissi et al.), λ₁ and λ₂ within about 1 %."
        ),
        results,
    ]
    for case in PINN_CASES:
        title = CASE_TITLES[case]
        blocks += [
            Figure(
                figures / f"{case}_field.png",
                f"{title}: the PINN's u(t, x), the reference and |error|, training points overlaid; look for "
                "where the error gathers, along the steep front the solution forms.",
                f"Three heat maps over t and x for the {title}: the network's solution, the reference solution and "
                "the absolute error, with the training points drawn on them.",
            ),
            Figure(
                figures / f"{case}_slices.png",
                f"{title}: u(t, x) at three times, the PINN dashed over the reference; look at the steep front, "
                "the hardest part to fit.",
                f"Three line plots of u against x at three times for the {title}, the reference and the PINN.",
            ),
            Figure(
                figures / f"{case}_loss.png",
                f"{title}: each loss term per iteration, the switch from Adam to the quasi-Newton steps dotted; "
                "and the error on the grid against training time, which is what the optimiser buys.",
                f"Left, the loss terms per iteration on a log scale for the {title}; right, the relative L2 error "
                "on the grid against training seconds.",
            ),
        ]
    blocks += [
        Figure(
            figures / "inverse_lambdas.png",
            "Identified λ₁ and λ₂ during training, clean and noisy data, against their true values dotted: watch "
            "how soon each settles, and how far from the truth the noise leaves it.",
            "Two line plots of λ₁ and λ₂ per iteration for the clean and the noisy data, with the true values as "
            "dotted lines.",
        ),
        params_table("pinn", flatten(params.pinn.model_dump(), "pinn.")),
        Text("Data: the published reference solution."),
        sources_table("pinn"),
    ]
    worst_lambda = max(result[f"lambda{n}_rel_error"] for result in metrics["inverse"].values() for n in (1, 2))
    headline = Headline(
        f"relative L2 {metrics['forward']['rel_l2']:.2e} on the reference grid; λ₁, λ₂ within "
        f"{100 * worst_lambda:.2g} %",
        f"Raissi et al. 2019, same network and points: {FORWARD_ANCHOR:.1e}",
        metrics["forward"]["rel_l2"],
        FORWARD_ANCHOR,
        run_ids["forward"],
        lower_is_better=True,
    )
    return Section("Physics-informed neural network: Burgers' equation", blocks, headline)
