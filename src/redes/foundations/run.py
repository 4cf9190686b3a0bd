"""Every check of the foundations, run at the sizes params give, and what the stage writes of them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from redes.errors import RedesError
from redes.foundations.attention_checks import attention_checks, causal_attention_example
from redes.foundations.autodiff_checks import autodiff_checks
from redes.foundations.backprop_checks import gradient_checks
from redes.foundations.checks import Check
from redes.foundations.gan import GanResult, gan_check, train_gan
from redes.foundations.keras_apis_checks import keras_three_ways_checks
from redes.foundations.layers_checks import layer_checks
from redes.foundations.linear_checks import LinearRegressionResults, linear_regression_checks
from redes.foundations.logistic_checks import LogisticRegressionResults, logistic_regression_checks
from redes.foundations.params import FoundationsParams
from redes.foundations.recurrent_checks import recurrent_checks

# The data behind §1 and §2: scikit-learn's bundled files, hashed into the MLflow run's tags.
BUNDLED_DATA_FILES = ("diabetes_data_raw.csv.gz", "diabetes_target.csv.gz", "breast_cancer.csv")


def bundled_data_files() -> list[Path]:
    folder = resources.files("sklearn.datasets") / "data"
    return [Path(str(folder / name)) for name in BUNDLED_DATA_FILES]


class ChecksFailed(RedesError):
    """An implementation of the notes disagrees with the library beyond its tolerance."""


@dataclass(frozen=True)
class FoundationsResults:
    checks: list[Check]  # in course order
    linear: LinearRegressionResults
    logistic: LogisticRegressionResults
    gan: GanResult
    causal_attention: np.ndarray  # (heads, n, n) weights for the heatmap


def run_foundations(params: FoundationsParams, seed: int) -> FoundationsResults:
    """Run every check in course order; the GAN, the one that trains, comes last."""
    linear = linear_regression_checks(params.linear, seed)
    logistic = logistic_regression_checks(params.logistic, seed)
    checks = [
        *linear.checks,
        *logistic.checks,
        *gradient_checks(params.backprop, seed),
        *keras_three_ways_checks(params.keras_apis, seed),
        *autodiff_checks(params.autodiff, seed),
        *layer_checks(params.layers, seed),
        *recurrent_checks(params.recurrent, seed),
        *attention_checks(params.attention, seed),
    ]
    gan = train_gan(params.gan, seed)
    checks.append(gan_check(gan, params.gan.max_wasserstein_ratio))
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ValueError(f"check names must be unique: {names}")
    weights = causal_attention_example(params.attention, seed)
    return FoundationsResults(checks, linear, logistic, gan, weights)


def metrics(results: FoundationsResults) -> dict:
    """reports/metrics/foundations.json: the numbers two runs are compared by.

    How many checks pass, the worst check's error as a fraction of its tolerance, and the
    GAN's distances. Each check's error, tolerance and verdict are in `check_table`'s file:
    as metrics they would be 150 columns of `dvc exp show`, most the same in every run.
    """
    return {
        "checks_passed": sum(check.passed for check in results.checks),
        "worst_error_ratio": max(check.error_ratio for check in results.checks),
        "gan": {
            "wasserstein_untrained": results.gan.wasserstein_untrained,
            "wasserstein_trained": results.gan.wasserstein_trained,
        },
    }


def check_table(checks: list[Check]) -> pd.DataFrame:
    """One row per check, with the equation it verifies: the report's table and an MLflow artifact."""
    return pd.DataFrame(
        [
            {
                "check": check.name,
                "equation": check.equation,
                "description": check.description,
                "reference": check.reference,
                "max_rel_error": check.max_rel_error,
                "tolerance": check.tolerance,
                "passed": check.passed,
            }
            for check in checks
        ]
    )


def raise_on_failure(checks: list[Check]) -> None:
    failed = [check for check in checks if not check.passed]
    if failed:
        lines = [
            f"{check.name} {check.equation}: relative error {check.max_rel_error:.3g} > tolerance {check.tolerance:g}"
            f" ({check.description}; against {check.reference})"
            for check in failed
        ]
        raise ChecksFailed(f"{len(failed)} of {len(checks)} checks failed:\n  " + "\n  ".join(lines))
