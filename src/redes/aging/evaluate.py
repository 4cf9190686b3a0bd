"""Scores of the aged faces, as judged by the age estimator (never by the GAN itself).

Every test face is rendered at every age group; the estimator reads the age of each rendering.
* age accuracy: the share of renderings whose estimated age falls in the target group, and
  within one group of it;
* age order: per face, Spearman's correlation between target group and estimated age (a face
  whose ten renderings read the same age has no order: 0), averaged over faces;
* fidelity: each face rendered at its own group against itself, SSIM and PSNR (TensorFlow's);
* realism: the Fréchet distance between real test faces of a group and faces rendered at that
  group, in the estimator's feature space, per group and averaged over the groups (a group
  with fewer test faces than features has a singular covariance and a biased distance, as
  FID has on small sets). It is FID's formula, but not FID: FID needs an
  Inception network, which is not available offline, and its numbers are not comparable.
Identity is not scored: no face-recognition network is available offline, and a stand-in
(distance in the estimator's features, say) would measure age, not identity.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import scipy.linalg
import scipy.stats
import tensorflow as tf

from redes.aging.data import to_unit_range
from redes.aging.estimator import estimate_ages, estimator_features
from redes.aging.groups import GROUP_NAMES, age_group
from redes.aging.render import Ager
from redes.errors import RedesError


def group_accuracy(target_groups: np.ndarray, estimated_ages: np.ndarray) -> tuple[float, float]:
    """The share of estimated ages in their target group, and within one group of it."""
    distance = np.abs(age_group(estimated_ages.round().astype(int).clip(0)) - np.asarray(target_groups))
    return float(np.mean(distance == 0)), float(np.mean(distance <= 1))


def spearman_per_face(estimated_ages: np.ndarray) -> np.ndarray:
    """Spearman's rho between group index and estimated age for each row (N, groups); 0 for a row without order."""
    groups = np.arange(estimated_ages.shape[1])
    rhos = np.zeros(len(estimated_ages))
    for index, ages in enumerate(estimated_ages):
        if np.ptp(ages) > 0:
            rhos[index] = scipy.stats.spearmanr(groups, ages).statistic
    return rhos


def fidelity(faces: np.ndarray, rendered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-face SSIM and PSNR (dB) of uint8 renderings against uint8 faces."""
    faces, rendered = tf.convert_to_tensor(faces), tf.convert_to_tensor(rendered)
    ssim = tf.image.ssim(faces, rendered, max_val=255)
    psnr = tf.image.psnr(faces, rendered, max_val=255)
    return ssim.numpy().astype(np.float64), psnr.numpy().astype(np.float64)


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """|μa − μb|² + tr(Σa + Σb − 2 (Σa Σb)^½) between two sets of feature vectors (N, F)."""
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b)
    if np.iscomplexobj(root):
        root = root.real  # rounding gives the square root of a PSD product tiny imaginary parts
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2.0 * root))


def aging_scores(
    estimated_ages: np.ndarray,
    own_groups: np.ndarray,
    ssim: np.ndarray,
    psnr: np.ndarray,
    real_features: np.ndarray,
    rendered_features: np.ndarray,
) -> dict:
    """The aging metrics of the report from test faces rendered at every group.

    `estimated_ages` (N, groups): the judge's reading of face i rendered at group j.
    `own_groups` (N,): each face's true group. `ssim`, `psnr` (N,): each face at its own group.
    `real_features` (N, F): the faces'; `rendered_features` (N, groups, F): the renderings'.
    """
    count, groups = estimated_ages.shape
    targets = np.broadcast_to(np.arange(groups), (count, groups))
    exact, within_one = group_accuracy(targets.ravel(), estimated_ages.ravel())
    per_group = {}
    for group, name in enumerate(GROUP_NAMES[:groups]):
        group_exact, group_within = group_accuracy(np.full(count, group), estimated_ages[:, group])
        real = real_features[own_groups == group]
        per_group[name] = {
            "group_accuracy": group_exact,
            "group_accuracy_within_one": group_within,
            "estimated_age_mean": float(estimated_ages[:, group].mean()),
            # A group without two real faces to compare with has no covariance: not scored.
            "frechet_estimator_features": frechet_distance(real, rendered_features[:, group])
            if len(real) > 1
            else None,
        }
    return {
        "group_accuracy": exact,
        "group_accuracy_within_one": within_one,
        "spearman_mean": float(spearman_per_face(estimated_ages).mean()),
        "reconstruction_ssim": float(ssim.mean()),
        "reconstruction_psnr": float(psnr.mean()),
        # Real faces of a group against faces rendered at it, averaged over the groups.
        "frechet_estimator_features": float(
            np.mean(
                [
                    g["frechet_estimator_features"]
                    for g in per_group.values()
                    if g["frechet_estimator_features"] is not None
                ]
            )
        ),
        "per_group": per_group,
    }


def estimator_scores(true_ages: np.ndarray, estimated_ages: np.ndarray, train_ages: np.ndarray) -> dict:
    """The estimator on real test faces: MAE overall and per true age group, and a constant guess's MAE to beat."""
    errors = np.abs(np.asarray(estimated_ages, dtype=np.float64) - true_ages)
    groups = age_group(true_ages)
    return {
        "test_mae": float(errors.mean()),
        # Always answering the training faces' median age: an estimator no better has learnt nothing.
        "constant_guess_mae": float(np.abs(np.median(train_ages) - true_ages).mean()),
        "per_group_mae": {
            name: float(errors[groups == g].mean()) for g, name in enumerate(GROUP_NAMES) if any(groups == g)
        },
    }


def metrics_file(judge: dict, aging: dict) -> dict:
    """reports/metrics/aging.json: the numbers two runs are compared by; each group's are in `per_group_table`."""
    return {
        "estimator": {key: value for key, value in judge.items() if key != "per_group_mae"},
        "aging": {key: value for key, value in aging.items() if key != "per_group"},
    }


def per_group_table(judge: dict, aging: dict) -> pd.DataFrame:
    """A row per age group, in age order: the faces aged to it, and the judge's MAE on real faces of it."""
    return pd.DataFrame(
        [
            {"group": name, **scores, "estimator_mae": judge["per_group_mae"].get(name)}
            for name, scores in aging["per_group"].items()
        ]
    )


def require_a_learnt_estimator(scores: dict, model: str) -> None:
    """Raise, naming both numbers, if the judge reads ages no better than a constant guess: then it judges nothing."""
    if scores["test_mae"] >= scores["constant_guess_mae"]:
        raise RedesError(
            f"{model}: test MAE {scores['test_mae']:.2f} years is no better than always guessing the median age "
            f"({scores['constant_guess_mae']:.2f} years), so it cannot judge the aged faces. Its training did not "
            "learn: change aging.estimator's params and run `dvc repro aging_estimator`."
        )


def score_ager(
    ager: Ager, estimator: keras.Model, faces: np.ndarray, ages: np.ndarray, genders: np.ndarray
) -> tuple[dict, np.ndarray]:
    """Every test face (uint8) rendered at every group and scored by the estimator: the scores and the renderings."""
    rendered = ager.render_every_group(faces, genders)  # (N, groups, S, S, 3)
    count, groups = rendered.shape[:2]
    flat = to_unit_range(rendered.reshape(count * groups, *rendered.shape[2:]))
    estimated = estimate_ages(estimator, flat).reshape(count, groups)
    rendered_features = estimator_features(estimator, flat)
    rendered_features = rendered_features.reshape(count, groups, -1)
    own = age_group(ages)
    ssim, psnr = fidelity(faces, rendered[np.arange(count), own])
    real_features = estimator_features(estimator, to_unit_range(faces))
    return aging_scores(estimated, own, ssim, psnr, real_features, rendered_features), rendered
