"""The CAAE's players, its losses and training step, and the age estimator, on small inputs."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from redes.aging import models
from redes.aging.caae import (
    Caae,
    LossWeights,
    fake_loss,
    group_hiding_loss,
    group_loss,
    real_loss,
    reconstruction_loss,
    structural_dissimilarity_loss,
    total_variation_loss,
)
from redes.aging.data import to_uint8, to_unit_range
from redes.aging.estimator import (
    SoftAgeLoss,
    age_estimator,
    age_mae,
    estimate_ages,
    estimator_features,
    expected_age,
    group_balanced_weights,
    train_estimator,
)
from redes.aging.groups import GROUP_LOWEST_AGES, OLDEST_AGE, age_group
from redes.aging.params import AgeEstimatorParams, AgingParams
from redes.aging.render import Ager, gender_index, group_index
from redes.aging.train import face_labels, train_caae
from redes.errors import RedesError
from redes.training import fit_resumable, load_model, save_model
from tests.helpers.aging import PLAIN_WEIGHTS, SECTION, SIZE, tiny_caae, tiny_faces
from tests.helpers.callbacks import EpochsSeen, Interrupt


def test_the_reconstruction_loss_is_the_mean_absolute_difference() -> None:
    faces = np.zeros((2, 4, 4, 3), dtype=np.float32)
    rendered = faces.copy()
    rendered[0, 0, 0, 0] = 0.96  # one of 96 values off by 0.96
    assert float(reconstruction_loss(faces, rendered)) == pytest.approx(0.01)


def test_the_structural_dissimilarity_is_zero_for_a_copy_and_grows_with_a_blur() -> None:
    faces = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    blurred = (faces + np.roll(faces, 1, axis=1) + np.roll(faces, 1, axis=2)) / 3
    assert float(structural_dissimilarity_loss(faces, faces)) == pytest.approx(0.0, abs=1e-6)
    flat = np.zeros_like(faces)  # no structure at all: more lost than a blur loses
    assert (
        float(structural_dissimilarity_loss(faces, flat)) > float(structural_dissimilarity_loss(faces, blurred)) > 0.3
    )
    expected = 1.0 - np.mean(tf.image.ssim((faces + 1) * 127.5, (blurred + 1) * 127.5, max_val=255.0))
    assert float(structural_dissimilarity_loss(faces, blurred)) == pytest.approx(expected, abs=1e-5)  # as evaluated


def test_total_variation_is_zero_on_a_flat_image_and_four_on_a_checkerboard() -> None:
    flat = np.full((1, 8, 8, 3), 0.3, dtype=np.float32)
    checkerboard = np.where(np.indices((8, 8)).sum(axis=0) % 2, 1.0, -1.0).astype(np.float32)
    checkerboard = np.repeat(checkerboard[np.newaxis, :, :, np.newaxis], 3, axis=-1)
    assert float(total_variation_loss(flat)) == 0.0
    assert float(total_variation_loss(checkerboard)) == pytest.approx(8.0)  # (2²) vertically + (2²) horizontally


def test_the_adversarial_losses_are_the_cross_entropies_of_a_sigmoid() -> None:
    logits = np.array([[-3.0], [0.0], [2.0]], dtype=np.float32)
    probability = 1.0 / (1.0 + np.exp(-logits))
    assert float(real_loss(logits)) == pytest.approx(-np.mean(np.log(probability)), rel=1e-6)
    assert float(fake_loss(logits)) == pytest.approx(-np.mean(np.log(1.0 - probability)), rel=1e-6)
    assert math.isfinite(float(real_loss(np.array([[-1e4]], dtype=np.float32))))  # no log(0)
    assert float(real_loss(np.zeros((4, 1), dtype=np.float32))) == pytest.approx(math.log(2.0))


def test_the_group_loss_is_the_cross_entropy_of_the_right_group() -> None:
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]], dtype=np.float32))
    assert float(group_loss(logits, np.array([0, 2]))) == pytest.approx(-(math.log(0.7) + math.log(0.5)) / 2, rel=1e-6)


def test_the_group_hiding_loss_is_least_when_the_logits_say_only_how_common_each_group_is() -> None:
    groups = np.array([0, 0, 1, 3])  # frequencies 1/2, 1/4, 0, 1/4, then 0 for the other six groups
    frequencies = np.bincount(groups, minlength=models.GROUPS) / len(groups)
    uninformed = np.log(np.maximum(frequencies, 1e-12)).astype(np.float32)
    entropy = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert float(group_hiding_loss(np.tile(uninformed, (4, 1)), groups)) == pytest.approx(entropy, rel=1e-5)
    telling = np.log(np.eye(models.GROUPS)[groups] * 0.9 + 0.01).astype(np.float32)  # each face's own group
    assert float(group_hiding_loss(telling, groups)) > entropy + 0.5


def test_signed_one_hot_follows_the_authors_convention() -> None:
    assert models.signed_one_hot(np.array([2]), 4).tolist() == [[-1.0, -1.0, 1.0, -1.0]]
    faces = np.array([[[[0, 128, 255]]]], dtype=np.uint8)
    assert np.array_equal(to_uint8(to_unit_range(faces)), faces)


def test_the_players_have_the_shapes_of_the_paper() -> None:
    encoder = models.encoder(SIZE, [8, 16], kernel_size=5, z_dim=6)
    generator = models.generator(SIZE, [16, 8], kernel_size=5, z_dim=6, tile_labels=True)
    faces = np.random.default_rng(0).uniform(-1, 1, (3, SIZE, SIZE, 3)).astype(np.float32)
    z = keras.ops.convert_to_numpy(encoder(faces))
    assert z.shape == (3, 6) and np.abs(z).max() <= 1.0
    # Tiled, each label gets z's length: 6 // 10 -> 1 copy of the ten groups, 6 // 2 -> 3 copies of the gender.
    assert generator.get_layer("code").output.shape[-1] == 6 + 10 * 1 + 2 * 3
    rendered = generator(
        {"z": z, "age_group": models.signed_one_hot([0, 4, 9], 10), "gender": models.signed_one_hot([0, 1, 0], 2)}
    )
    assert rendered.shape == (3, SIZE, SIZE, 3) and float(keras.ops.max(keras.ops.abs(rendered))) <= 1.0
    assert models.z_discriminator(6, [8, 4])(z).shape == (3, 1)


@pytest.mark.parametrize(
    ("labels", "age_head"), [("after_first_conv", False), ("projection", False), ("projection", True)]
)
def test_the_image_discriminator_reads_the_labels(labels: str, age_head: bool) -> None:
    discriminator = models.image_discriminator(SIZE, [4, 8], kernel_size=3, labels=labels, age_head=age_head)
    faces = np.random.default_rng(0).uniform(-1, 1, (2, SIZE, SIZE, 3)).astype(np.float32)
    gender = models.signed_one_hot([0, 1], 2)
    young = discriminator({"face": faces, "age_group": models.signed_one_hot([0, 0], 10), "gender": gender})
    old = discriminator({"face": faces, "age_group": models.signed_one_hot([9, 9], 10), "gender": gender})
    assert young["logit"].shape == (2, 1)
    assert not np.allclose(young["logit"], old["logit"])  # the same faces, judged under other labels
    assert ("age_logits" in young) == age_head
    if age_head:
        assert np.allclose(young["age_logits"], old["age_logits"])  # the age head never sees the label


def test_an_age_head_needs_projection_labels() -> None:
    with pytest.raises(ValueError, match="projection"):
        models.image_discriminator(SIZE, [4], kernel_size=3, labels="after_first_conv", age_head=True)
    with pytest.raises(ValueError, match="expected after_first_conv or projection"):
        models.image_discriminator(SIZE, [4], kernel_size=3, labels="concat", age_head=False)


@pytest.mark.parametrize(
    ("random_targets", "labels", "age_head", "weights"),
    [
        (False, "after_first_conv", False, PLAIN_WEIGHTS),  # the authors' code
        (True, "projection", True, LossWeights(1.0, 0.001, 0.001, 0.001, 0.001)),
        (False, "after_first_conv", False, LossWeights(1.0, 0.0, 1e-4, 0.001, 0.0, 0.01)),  # codes hide the age
        (False, "projection", False, LossWeights(1.0, 0.0, 1e-4, 0.0, 0.0, structural_dissimilarity=1.0)),
    ],
)
def test_a_few_steps_on_synthetic_faces_lower_the_reconstruction_loss(
    random_targets: bool, labels: str, age_head: bool, weights: LossWeights, tmp_path: Path
) -> None:
    faces, face_labels = tiny_faces(64)
    caae = tiny_caae(weights, random_targets, labels, age_head)
    before = caae.evaluate(faces, face_labels, batch_size=32, verbose=0, return_dict=True)["reconstruction"]
    # Through the course's resumable fit, as the stage trains it: uint8 faces and (group, gender) labels.
    history = fit_resumable(
        caae, faces, face_labels, batch_size=16, epochs=10, seed=0, backup_dir=tmp_path / "backup", verbose=0
    )
    after = caae.evaluate(faces, face_labels, batch_size=32, verbose=0, return_dict=True)["reconstruction"]
    assert after < 0.85 * before
    for name in ("z_discriminator_loss", "image_discriminator_loss", "z_adversarial", "image_adversarial"):
        assert history[name].map(math.isfinite).all(), name
    assert (history["age_classification"].iloc[-1] > 0) == age_head
    assert (history["z_age_classifier_loss"].iloc[-1] > 0) == (weights.z_age_hiding > 0)
    assert caae(faces[:2], face_labels[:2]).shape == (2, SIZE, SIZE, 3)


def test_an_age_classification_weight_needs_an_age_head() -> None:
    with pytest.raises(ValueError, match="age head"):
        tiny_caae(LossWeights(1.0, 0.0, 0.0, 0.0, 1.0), random_targets=True, labels="after_first_conv", age_head=False)


def test_a_z_age_hiding_weight_needs_a_z_age_classifier() -> None:
    caae = tiny_caae(PLAIN_WEIGHTS, random_targets=False, labels="after_first_conv", age_head=False)
    with pytest.raises(ValueError, match="z age classifier"):
        Caae(
            caae.encoder,
            caae.generator,
            caae.z_discriminator,
            caae.image_discriminator,
            LossWeights(1.0, 0.0, 0.0, 0.0, 0.0, 1.0),
            random_targets=False,
            seed=0,
        )


def test_the_estimator_gives_probabilities_of_each_year_and_its_features() -> None:
    estimator = age_estimator(SIZE, [4, 8], convs_per_block=2, dropout=0.0)
    faces = np.random.default_rng(0).uniform(-1, 1, (3, SIZE, SIZE, 3)).astype(np.float32)
    probabilities = keras.ops.convert_to_numpy(estimator(faces))
    assert probabilities.shape == (3, OLDEST_AGE + 1) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert estimator.get_layer("features").output.shape == (None, 8)


def test_the_soft_age_loss_is_least_at_the_true_age_and_the_mae_reads_the_expectation() -> None:
    ages = np.array([30, 70])
    sharp = np.full((2, OLDEST_AGE + 1), 1e-9, dtype=np.float32)
    sharp[0, 30], sharp[1, 70] = 1.0, 1.0
    shifted = np.roll(sharp, 10, axis=1)
    loss = SoftAgeLoss(sigma=2.0)
    assert float(loss(ages, sharp)) < float(loss(ages, shifted))
    assert np.allclose(keras.ops.convert_to_numpy(age_mae(ages, shifted)), 10.0, atol=1e-3)
    assert np.allclose(expected_age(shifted), [40.0, 80.0], atol=1e-3)


def test_group_balanced_weights_weigh_every_group_alike() -> None:
    ages = np.array([25] * 8 + [26] * 8 + [12] * 2 + [80] * 2)  # groups 21-30, 11-15, 71+
    weights = group_balanced_weights(ages)
    per_group = {group: sum(weights[int(age)] for age in ages if age_group(age) == group) for group in (2, 4, 9)}
    assert np.allclose(list(per_group.values()), len(ages) / 3)


def test_a_trained_estimator_is_saved_and_read_back(tmp_path: Path) -> None:
    faces = to_unit_range(tiny_faces(48)[0])
    ages = np.random.default_rng(1).integers(1, 90, 48)
    params = AgeEstimatorParams(
        learning_rate=1e-3,
        lr_schedule="cosine",
        weight_decay=1e-4,
        batch_size=16,
        epochs=2,
        early_stopping_patience=3,
        restore_best_weights=True,
        balanced_class_weights=True,
        filters=[4, 8],
        convs_per_block=1,
        dropout=0.1,
        label_sigma=2.0,
    )
    model, history = train_estimator(
        params,
        (faces, ages),
        (faces[:16], ages[:16]),
        image_size=SIZE,
        seed=0,
        backup_dir=tmp_path / "backup",
        verbose=0,
    )
    assert list(history["epoch"]) == [1, 2] and {"age_mae", "val_age_mae"} <= set(history.columns)
    loaded = load_model(save_model(model, tmp_path / "estimator.keras"))
    assert np.allclose(estimate_ages(loaded, faces), estimate_ages(model, faces), atol=1e-4)
    assert estimator_features(loaded, faces[:5]).shape == (5, 8)


def test_an_ager_saved_and_loaded_renders_every_face_at_every_group(tmp_path: Path) -> None:
    caae = tiny_caae(PLAIN_WEIGHTS, False, "after_first_conv", False)
    ager = Ager(caae.encoder, caae.generator)
    loaded = Ager.load(ager.save(tmp_path / "caae"))
    faces = tiny_faces(3)[0]
    grid = loaded.render_every_group(faces, np.array([0, 1, 0]))
    assert grid.shape == (3, 10, SIZE, SIZE, 3) and grid.dtype == np.uint8
    one = ager.render(faces[1:2], np.array([1]), np.array([7]))
    assert np.abs(one[0].astype(int) - grid[1, 7]).max() <= 1  # the same rendering, one batch or many
    assert not np.array_equal(grid[1, 0], grid[1, 9])  # the condition changes the face
    with pytest.raises(ValueError, match="this ager takes 16x16 RGB"):
        ager.render(np.zeros((1, 8, 8, 3), dtype=np.uint8), np.array([0]), np.array([0]))


def test_group_and_gender_names_are_checked() -> None:
    assert group_index("71+") == 9 and gender_index("female") == 1
    with pytest.raises(RedesError, match="the groups are 0-5, 6-10"):
        group_index("60-70")
    with pytest.raises(RedesError, match="male and female"):
        gender_index("f")
    with pytest.raises(RedesError, match="dvc repro aging_train"):
        Ager.load(Path("nowhere"))


def _tiny_caae_params(epochs: int) -> AgingParams:
    section = copy.deepcopy(SECTION)
    section["data"]["image_size"] = 16
    section["caae"].update(
        z_dim=8, kernel_size=3, encoder_filters=[4, 8], generator_filters=[8, 4], image_discriminator_filters=[4, 8],
        z_discriminator_units=[8], image_discriminator_labels="projection", random_targets=True, batch_size=16,
        epochs=epochs, lr_schedule="cosine",
    )  # fmt: skip
    section["caae"]["losses"].update(age_classification=0.01, z_age_hiding=0.01)
    section["estimator"]["filters"] = [4, 8]
    return AgingParams.model_validate(section)


def _tiny_training_data() -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], np.ndarray]:
    faces, labels = tiny_faces(40)
    ages, genders = np.array(GROUP_LOWEST_AGES)[labels[:, 0]], labels[:, 1]
    return (faces, ages, genders), (faces[:8], ages[:8], genders[:8]), labels


def test_the_caae_of_the_params_trains_and_scores_its_validation_faces(tmp_path: Path) -> None:
    params = _tiny_caae_params(epochs=2)
    train, validation, labels = _tiny_training_data()
    keras.utils.set_random_seed(0)
    caae, history = train_caae(params.caae, train, validation, seed=0, backup_dir=tmp_path / "backup", verbose=0)
    assert list(history["epoch"]) == [1, 2] and history["val_reconstruction"].gt(0).all()
    assert "age_logits" in caae.image_discriminator.output and caae.random_targets
    assert caae.z_age_classifier is not None and len(caae.optimized_variables()) == 4
    assert np.array_equal(face_labels(*train[1:]), labels)


def _state(caae: keras.Model) -> list[np.ndarray]:
    """Every weight of the five players and every moment of their four optimizers."""
    optimizer_variables = [v for optimizer, _ in caae.optimized_variables() for v in optimizer.variables]
    return [np.asarray(v) for v in [*caae.variables, *optimizer_variables]]


def test_a_killed_caae_training_resumes_to_the_uninterrupted_weights(tmp_path: Path) -> None:
    """All five players, all four optimizers and the random targets' seed come back from the backup."""
    params = _tiny_caae_params(epochs=3)
    train, validation, _ = _tiny_training_data()
    keras.utils.set_random_seed(0)
    uninterrupted, history = train_caae(params.caae, train, validation, seed=0, backup_dir=tmp_path / "u", verbose=0)
    keras.utils.set_random_seed(0)
    with pytest.raises(KeyboardInterrupt):
        train_caae(
            params.caae, train, validation, seed=0, backup_dir=tmp_path / "k", callbacks=[Interrupt(1, 1)], verbose=0
        )
    seen = EpochsSeen()
    keras.utils.set_random_seed(0)
    resumed, resumed_history = train_caae(
        params.caae, train, validation, seed=0, backup_dir=tmp_path / "k", callbacks=[seen], verbose=0
    )
    assert seen.epochs == [1, 2]  # the first epoch is not trained again
    for a, b in zip(_state(uninterrupted), _state(resumed), strict=True):
        np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(history.drop(columns="epoch_seconds"), resumed_history.drop(columns="epoch_seconds"))
