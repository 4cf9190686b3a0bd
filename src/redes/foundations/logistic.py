"""Logistic regression by gradient ascent on the log-likelihood (notes §2, eqs. 20-27).

h_θ(x) = g(θᵀx) with the sigmoid g (21); the log-likelihood
ℓ(θ) = Σᵢ y⁽ⁱ⁾ log h(x⁽ⁱ⁾) + (1 - y⁽ⁱ⁾) log(1 - h(x⁽ⁱ⁾)) has gradient Σᵢ (y⁽ⁱ⁾ - h(x⁽ⁱ⁾)) x⁽ⁱ⁾ (25-27),
the LMS rule's form with a different h. `logistic_checks.py` checks it against scikit-learn's
unpenalised `LogisticRegression`, which maximises the same ℓ.

Data: scikit-learn's bundled breast-cancer set (569 tumours), the features named in params,
standardised. All 30 features together separate the classes perfectly, and then ℓ has no maximum
(θ grows without bound), so the check uses a few features where the maximum exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from redes.foundations.activations import sigmoid

Array = np.ndarray


def breast_cancer_design(features: Sequence[str]) -> tuple[Array, Array]:
    """(X with a leading column of ones, y) for the named features, standardised; y = 1 is benign."""
    dataset = load_breast_cancer()
    names = list(dataset.feature_names)
    unknown = [name for name in features if name not in names]
    if unknown or not features:
        raise ValueError(f"unknown breast-cancer features {unknown}; choose from: {', '.join(names)}")
    columns = [names.index(name) for name in features]
    standardised = StandardScaler().fit_transform(dataset.data[:, columns])
    return np.column_stack([np.ones(len(standardised)), standardised]), dataset.target.astype(np.float64)


def log_likelihood(theta: Array, design: Array, labels: Array) -> float:
    """ℓ(θ), written with log g(z) = -log(1 + e^{-z}) so that no probability is rounded to 0 first."""
    logits = design @ theta
    return float(-np.sum(labels * np.logaddexp(0.0, -logits) + (1.0 - labels) * np.logaddexp(0.0, logits)))


def log_likelihood_gradient(theta: Array, design: Array, labels: Array) -> Array:
    """∇ℓ(θ) = Σᵢ (y⁽ⁱ⁾ - g(θᵀx⁽ⁱ⁾)) x⁽ⁱ⁾, eqs. (25-27)."""
    return design.T @ (labels - sigmoid(design @ theta))


def gradient_ascent(design: Array, labels: Array, learning_rate: float, iterations: int) -> tuple[Array, Array]:
    """θ := θ + α ∇ℓ(θ) from θ = 0; returns θ and ℓ after each step."""
    theta = np.zeros(design.shape[1])
    history = np.empty(iterations)
    for step in range(iterations):
        theta = theta + learning_rate * log_likelihood_gradient(theta, design, labels)
        history[step] = log_likelihood(theta, design, labels)
    return theta, history
