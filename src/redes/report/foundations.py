"""The foundations section of the report: every check with the equation it verifies, and the figures."""

from __future__ import annotations

from redes.config import Params, flatten
from redes.files import read_csv, read_json
from redes.paths import Workspace
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table

# Figures written by redes.foundations.figures.write_figures, in the order of the notes: (caption, alt text).
FIGURES = {
    "linear_convergence.png": (
        "Linear regression on the diabetes set, per pass over the data: batch gradient descent (7-8), the LMS rule "
        "with a constant rate (6) and SGD with a decaying rate (9). Left, J(θ) (3) with the normal-equation optimum "
        "(19) dashed; right, how far J stays above it: LMS stalls at a distance proportional to its rate, SGD keeps "
        "closing in as its rate decays, batch gradient descent converges geometrically.",
        "Two line plots against passes over the data: the cost of batch gradient descent, LMS and SGD falling to a "
        "dashed optimum, and on a log scale their distance above it.",
    ),
    "sigmoid.png": (
        "The sigmoid g(z) and its derivative g'(z) = g(z)(1 - g(z)) (21): the derivative peaks at 1/4 at z = 0 and "
        "vanishes in both tails, where a saturated unit stops learning.",
        "The S-shaped sigmoid curve from 0 to 1 and its bell-shaped derivative, both against z.",
    ),
    "logistic_boundary.png": (
        "Logistic regression on the breast-cancer set: the decision boundary θᵀx = 0 found by gradient ascent on the "
        "log-likelihood (20-27). Look at the points on the wrong side of the line: the few the model misclassifies.",
        "A scatter plot of benign and malignant tumours in two features, split by a straight decision line.",
    ),
    "activations.png": (
        "The activations of the notes and their derivatives, as the backward functions use them: ReLU's derivative "
        "jumps at 0, leaky ReLU's never reaches 0, GELU dips below 0 before it rises.",
        "Sigmoid, tanh, ReLU, leaky ReLU and GELU, each plotted with its derivative.",
    ),
    "checks.png": (
        "Every check: relative error against the library (bars; red if over) and its tolerance (ticks). A bar "
        "past its tick would be a failed check.",
        "A horizontal bar chart, one bar per check on a log scale, each with a tick for its tolerance.",
    ),
    "attention_causal.png": (
        "Causal self-attention weights of each head (§3.15.8): position n attends only to positions ≤ n, so "
        "everything above the diagonal is zero.",
        "One heat map per attention head, lower triangular: rows are query positions, columns key positions.",
    ),
    "gan_densities.png": (
        "GAN on a 1-D mixture of Gaussians (§3.16): the target density and histograms of the untrained and the "
        "trained generator's samples (left); the discriminator's and the generator's losses at each step of "
        "Algorithm 1 (right), the dashed line being the discriminator's loss at the equilibrium D = 1/2. The "
        "trained generator covers both modes.",
        "Left, a two-peaked target density with histograms of generated samples; right, two loss curves per "
        "training step around a dashed equilibrium line.",
    ),
}


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("foundations"))
    run_id = read_json(workspace.runs("foundations"))["foundations"]
    checks = read_csv(workspace.tables("foundations") / "checks.csv")
    gan = metrics["gan"]
    table = Table(
        ("check", "eq.", "what is compared", "reference", "max rel. error", "tolerance", "passed"),
        tuple(
            (
                row.check,
                row.equation,
                row.description,
                row.reference,
                f"{row.max_rel_error:.2e}",
                f"{row.tolerance:g}",
                "yes" if row.passed else "**NO**",
            )
            for row in checks.itertuples()
        ),
        folded=f"All {len(checks)} checks: the equation, what is compared, the error and the tolerance",
    )
    blocks = [
        Text(
            "Each method of the notes written out in NumPy (`src/redes/foundations/`) and compared with TensorFlow "
            "or scikit-learn on the same data and weights. Errors are normwise, max|ours − reference| / "
            "max|reference|, the worst over the arrays compared. "
            f"**{metrics['checks_passed']} of {len(checks)} checks pass** (MLflow run `{run_id}`, "
            "experiment `foundations`); every check, with the equation it verifies, is in the table after the figures."
        ),
        Text(
            f"GAN (§3.16): Wasserstein-1 distance to the target samples {gan['wasserstein_trained']:.4f} after "
            f"training, against {gan['wasserstein_untrained']:.4f} for the untrained generator."
        ),
        *(Figure(workspace.figures("foundations") / name, caption, alt) for name, (caption, alt) in FIGURES.items()),
        table,
        params_table("foundations", flatten(params.foundations.model_dump(), "foundations.")),
    ]
    headline = Headline(
        f"{metrics['checks_passed']} of {len(checks)} checks pass",
        "TensorFlow or scikit-learn, within each check's tolerance",
        metrics["checks_passed"],
        len(checks),
        run_id,
    )
    return Section("Foundations: the notes' equations, checked", blocks, headline)
