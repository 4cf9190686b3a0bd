"""The aging scores on constructed cases: a perfect ager, an ager that ignores the condition, known distances."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redes.aging.estimator import age_estimator
from redes.aging.evaluate import (
    aging_scores,
    estimator_scores,
    fidelity,
    frechet_distance,
    group_accuracy,
    require_a_learnt_estimator,
    score_ager,
    spearman_per_face,
)
from redes.aging.groups import GROUP_LOWEST_AGES, GROUP_NAMES
from redes.aging.render import Ager
from redes.errors import RedesError
from tests.helpers.aging import SIZE, save_tiny_ager, tiny_faces

GROUP_MIDDLES = np.array([3, 8, 13, 18, 25, 35, 45, 55, 65, 80], dtype=float)


def _scores(estimated: np.ndarray, rng: np.random.Generator) -> dict:
    count = len(estimated)
    features = rng.normal(size=(count, 10, 4))
    faces = rng.integers(0, 256, (count, 16, 16, 3), dtype=np.uint8)
    ssim, psnr = fidelity(faces, faces)
    return aging_scores(estimated, np.arange(count) % 10, ssim, psnr, features[:, 0], features)


def test_a_perfect_ager_scores_full_marks() -> None:
    rng = np.random.default_rng(0)
    estimated = np.tile(GROUP_MIDDLES, (50, 1)) + rng.uniform(-1.5, 1.5, (50, 10))
    scores = _scores(estimated, rng)
    assert scores["group_accuracy"] == 1.0 and scores["group_accuracy_within_one"] == 1.0
    assert scores["spearman_mean"] == pytest.approx(1.0)
    assert scores["reconstruction_ssim"] == pytest.approx(1.0) and np.isinf(scores["reconstruction_psnr"])
    assert set(scores["per_group"]) == set(GROUP_NAMES)


def test_an_ager_that_ignores_the_condition_has_no_order() -> None:
    rng = np.random.default_rng(0)
    own_age = rng.uniform(1, 90, (200, 1))
    ignoring = np.repeat(own_age, 10, axis=1)  # every rendering is the face itself
    noisy = own_age + rng.normal(0, 3, (200, 10))  # the same, read with the judge's noise
    assert _scores(ignoring, rng)["spearman_mean"] == 0.0
    assert abs(_scores(noisy, rng)["spearman_mean"]) < 0.05
    assert _scores(noisy, rng)["group_accuracy"] < 0.2


def test_group_accuracy_counts_exact_and_neighbouring_groups() -> None:
    # Targets 4 (21-30): read 25 (exact), 33 (next group), 45 (two away); target 9 (71+): read 100.
    exact, within_one = group_accuracy(np.array([4, 4, 4, 9]), np.array([25.0, 33.0, 45.0, 100.0]))
    assert (exact, within_one) == (0.5, 0.75)
    lowest = np.array(GROUP_LOWEST_AGES, dtype=float)
    assert group_accuracy(np.arange(10), lowest) == (1.0, 1.0)


def test_spearman_follows_the_order_of_the_estimates() -> None:
    rows = np.array([GROUP_MIDDLES, GROUP_MIDDLES[::-1], np.full(10, 30.0)])
    assert spearman_per_face(rows).tolist() == pytest.approx([1.0, -1.0, 0.0])


def test_the_frechet_distance_is_zero_for_one_set_and_grows_with_a_shift() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(4000, 3))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    shifted = features + np.array([2.0, 0.0, 0.0])
    assert frechet_distance(features, shifted) == pytest.approx(4.0, rel=1e-6)
    # N(0, I) against N(0, 4I) in 3 dimensions: tr(I + 4I - 2·2I) = 3.
    assert frechet_distance(features, 2.0 * rng.normal(size=(4000, 3))) == pytest.approx(3.0, rel=0.1)


def test_fidelity_falls_with_noise() -> None:
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    noisy = np.clip(faces + rng.normal(0, 20, faces.shape), 0, 255).astype(np.uint8)
    ssim, psnr = fidelity(faces, noisy)
    assert np.all(ssim < 0.99) and np.all((20 < psnr) & (psnr < 30))


def test_a_group_without_real_faces_is_left_out_of_the_frechet_distance() -> None:
    rng = np.random.default_rng(0)
    estimated = np.tile(GROUP_MIDDLES, (30, 1))
    features = rng.normal(size=(30, 10, 4))
    own_groups = np.arange(30) % 9  # nobody of 71+ among the real faces
    ones = np.ones(30)
    scores = aging_scores(estimated, own_groups, ones, ones, features[:, 0], features)
    assert scores["per_group"]["71+"]["frechet_estimator_features"] is None
    assert np.isfinite(scores["frechet_estimator_features"])


def test_the_judge_is_scored_against_a_constant_guess_and_refused_when_no_better() -> None:
    true_ages = np.array([3, 25, 27, 45, 80])
    scores = estimator_scores(true_ages, true_ages + 2.0, train_ages=np.array([20, 30, 40]))
    assert scores["test_mae"] == pytest.approx(2.0)
    assert scores["constant_guess_mae"] == pytest.approx(np.abs(30 - true_ages).mean())
    assert scores["per_group_mae"] == {"0-5": 2.0, "21-30": 2.0, "41-50": 2.0, "71+": 2.0}
    require_a_learnt_estimator(scores, "judge.keras")
    guessing = estimator_scores(true_ages, np.full(5, 30.0), train_ages=np.array([20, 30, 40]))
    with pytest.raises(RedesError, match=r"judge\.keras: test MAE .* no better than always guessing"):
        require_a_learnt_estimator(guessing, "judge.keras")


def test_every_test_face_is_rendered_at_every_group_and_scored(tmp_path: Path) -> None:
    ager = Ager.load(save_tiny_ager(tmp_path / "ager"))
    estimator = age_estimator(SIZE, [4, 8], 1, 0.0)
    faces, labels = tiny_faces(12)
    ages = np.array(GROUP_LOWEST_AGES)[labels[:, 0]]
    scores, rendered = score_ager(ager, estimator, faces, ages, labels[:, 1])
    assert rendered.shape == (12, len(GROUP_NAMES), SIZE, SIZE, 3) and rendered.dtype == np.uint8
    assert set(scores["per_group"]) == set(GROUP_NAMES)
    assert 0.0 <= scores["group_accuracy"] <= scores["group_accuracy_within_one"] <= 1.0
    assert -1.0 <= scores["spearman_mean"] <= 1.0 and np.isfinite(scores["reconstruction_psnr"])
