"""Logistic regression by gradient ascent (§2) against scikit-learn, and the sigmoid at its extremes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from redes.foundations.activations import sigmoid, sigmoid_derivative
from redes.foundations.checks import relative_error
from redes.foundations.logistic import breast_cancer_design, gradient_ascent, log_likelihood
from redes.foundations.logistic_checks import ITERATIVE_TOLERANCE, logistic_regression_checks
from redes.foundations.params import LogisticRegressionParams


def test_every_logistic_check_passes_at_the_default_params() -> None:
    params = LogisticRegressionParams(features=["mean radius", "mean texture"], learning_rate=0.003, iterations=1000)
    results = logistic_regression_checks(params, seed=0)
    for check in results.checks:
        assert check.passed, check
    assert np.all(np.diff(results.log_likelihood_history) >= -1e-9)  # ascent never goes down


def test_gradient_ascent_matches_sklearn_on_random_overlapping_classes() -> None:
    rng = np.random.default_rng(1)
    features = rng.normal(size=(200, 3))
    labels = (features @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=200) > 0).astype(np.float64)
    design = np.column_stack([np.ones(200), features])
    theta, _ = gradient_ascent(design, labels, learning_rate=0.01, iterations=3000)
    fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(features, labels)
    assert relative_error(theta, np.concatenate([fit.intercept_, fit.coef_.ravel()])) <= ITERATIVE_TOLERANCE


def test_saturated_sigmoid_and_likelihood_stay_finite_without_warnings() -> None:
    z = np.array([-1e308, -1e4, -745.0, -710.0, 0.0, 710.0, 1e4, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, derivatives = sigmoid(z), sigmoid_derivative(z)
        likelihood = log_likelihood(np.array([1e3]), np.ones((2, 1)), np.array([0.0, 1.0]))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(derivatives))
    assert values[0] == 0.0 and values[-1] == 1.0 and values[4] == 0.5
    assert np.all((derivatives >= 0.0) & (derivatives <= 0.25))
    assert likelihood == pytest.approx(-1e3)  # log(1 - g(1000)) = -1000, not -inf


def test_unknown_feature_is_named() -> None:
    with pytest.raises(ValueError, match="mean radiance"):
        breast_cancer_design(["mean radiance"])
