"""The face-aging section of the report: the judge's error, the aged faces' scores per group, read from disk."""

from __future__ import annotations

import pandas as pd

from redes.aging.groups import GENDERS, GROUP_NAMES
from redes.aging.params import CaaeParams
from redes.config import Params, flatten
from redes.files import read_csv, read_json
from redes.paths import Workspace
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table, sources_table

# The aging target (the paper publishes no number an estimator of ours could be compared with).
WITHIN_ONE_TARGET = 0.70


def _beyond_the_paper(caae: CaaeParams) -> str:
    """A sentence for each addition to the paper's recipe that `caae` turns on; empty for the plain CAAE."""
    additions = [
        (
            caae.losses.z_age_hiding > 0,
            "a z age classifier learns to read each face's age group from its code, and the encoder is charged for "
            "what it reads (the latent discriminator of Lample et al.'s Fader networks), so the age of a rendering "
            "comes from the label it is asked for, not from the face it was drawn from",
        ),
        (
            caae.random_targets,
            "every face is also rendered at a random age group and judged with the label it was asked for, so the "
            "generator is trained on aging, not only on rendering a face at its own age",
        ),
        (
            caae.losses.age_classification > 0,
            "the image discriminator has an age head trained on real faces, and the generator is charged when the "
            "head does not read its rendering as the group it was asked for (Odena et al.'s auxiliary classifier)",
        ),
        (
            caae.losses.structural_dissimilarity > 0,
            "1 − SSIM joins the L1 reconstruction (Zhao et al.), since L1 alone is served best by a blur",
        ),
        (caae.lr_schedule == "cosine", "every player's learning rate decays on a cosine"),
    ]
    sentences = [text for on, text in additions if on]
    return f" Beyond the paper: {'; '.join(sentences)}." if sentences else ""


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("aging"))
    run_ids = read_json(workspace.runs("aging"))
    card = read_json(workspace.processed("aging") / "card.json")
    judge, aging = metrics["estimator"], metrics["aging"]
    groups = read_csv(workspace.tables("aging") / "per_group.csv")
    caae, size = params.aging.caae, params.aging.data.image_size
    figures = workspace.figures("aging")
    results = Table(
        ("measure", "result", "target", "MLflow run"),
        (
            ("age estimator: MAE on real test faces", f"{judge['test_mae']:.2f} years", "≤ 6.0 years",
             f"`{run_ids['estimator']}`"),
            ("aged faces in the target age group", f"{aging['group_accuracy']:.2%}", "≥ 30 %", f"`{run_ids['caae']}`"),
            ("aged faces within one group of the target", f"{aging['group_accuracy_within_one']:.2%}",
             f"≥ {WITHIN_ONE_TARGET:.0%}", ""),
            ("age order: Spearman's ρ per face, mean", f"{aging['spearman_mean']:.3f}", "≥ 0.95", ""),
            ("reconstruction at the face's own group: SSIM", f"{aging['reconstruction_ssim']:.3f}", "≥ 0.65", ""),
            ("reconstruction: PSNR", f"{aging['reconstruction_psnr']:.2f} dB", "", ""),
            ("Fréchet distance in the estimator's features, mean of groups",
             f"{aging['frechet_estimator_features']:.3g}", "", ""),
        ),
    )  # fmt: skip
    per_group = Table(
        ("target group", "exact", "within one", "mean estimated age", "Fréchet distance", "judge's MAE on real faces"),
        tuple(
            (
                row.group,
                f"{row.group_accuracy:.1%}",
                f"{row.group_accuracy_within_one:.1%}",
                f"{row.estimated_age_mean:.1f}",
                # Empty where the test split has too few real faces of the group to score (see aging.evaluate).
                "—" if pd.isna(row.frechet_estimator_features) else f"{row.frechet_estimator_features:.3g}",
                "—" if pd.isna(row.estimator_mae) else f"{row.estimator_mae:.2f}",
            )
            for row in groups.itertuples()
        ),
    )
    counts, splits = card["faces_per_group_and_gender"], ("train", "validation", "test")
    split_card = Table(
        ("age group", *(f"{split}: {gender}" for split in splits for gender in GENDERS)),
        tuple(
            (name, *(str(counts[split][name][gender]) for split in splits for gender in GENDERS))
            for name in GROUP_NAMES
        ),
        folded="Faces per split, age group and gender",
    )
    sizes = card["sizes"]
    irregular = ", ".join(f"`{name}`" for name in card["irregular_names_read"]) or "none"
    blocks = [
        Text(
            "Photo aging with the conditional adversarial autoencoder of Zhang, Song and Qi (CVPR 2017): an "
            f"encoder maps a {size}×{size} face to a code z in [-1, 1]^{caae.z_dim}, a generator draws it back "
            "from z and an age group and gender, a discriminator on z pulls the codes towards a uniform prior, "
            "and a discriminator on images, told the labels, judges the faces. A face is aged by encoding it once "
            "and generating it at another group. The GAN cannot grade itself: an age estimator, a CNN trained on "
            "the real training faces only (it reads an age as the expectation of its per-year probabilities, as "
            "DEX does), reads the age of every test face rendered at each of the ten groups." + _beyond_the_paper(caae)
        ),
        results,
        Text(
            "Realism is scored as the Fréchet distance between real test faces of a group and faces rendered at "
            "that group, in the estimator's feature space: FID's formula, not FID, whose Inception network is not "
            "available offline. Identity is not scored: no face-recognition network is available offline, and a "
            "stand-in would measure age, not who the person is."
        ),
        Figure(
            figures / "aging_grid.png",
            "One test face of each age group (rows) rendered at every age group (columns): read along a row to see "
            "one person age, and check that the face stays theirs.",
            "A grid of small face images: each row one person, each column an age group from 0-5 to 71+.",
        ),
        Figure(
            figures / "per_group.png",
            "Aged faces per target group, as the estimator reads them: the bars should stay high for every group "
            "and the mean age climb with the target; where the line flattens, the renderings stop aging.",
            "Left, bars per target age group of the share of renderings read in the group and within one group; "
            "right, the mean estimated age of the renderings against the target group.",
        ),
        per_group,
        Figure(
            figures / "losses.png",
            "The losses of the CAAE's players per epoch: the reconstruction should fall, the validation one with "
            "it, while the adversaries' losses stay level, neither side winning outright.",
            "One panel per player with its loss terms per epoch: the encoder and generator with the validation "
            "reconstruction, then each discriminator and classifier.",
        ),
        Figure(
            figures / "estimator_errors.png",
            "The age estimator on real test faces: the points should hug the diagonal, and the boxes show how far "
            "off it is in each group; it judges the aged faces, so its own error bounds how finely they are judged.",
            "Left, estimated against true age of every real test face around the diagonal; right, box plots of "
            "the absolute error per true age group.",
        ),
        Text(
            f"UTKFace: {sum(sizes.values()):,} faces, split by file (UTKFace has no identities) with seed "
            f"{card['seed']}, stratified by age group: {sizes['train']:,} to train, {sizes['validation']:,} to "
            f"validate, {sizes['test']:,} to test. Names off the published pattern, read: {irregular}; "
            f"skipped: {len(card['names_skipped'])}. Faces per split, age group and gender:"
        ),
        split_card,
        params_table("aging", flatten(params.aging.model_dump(), "aging.")),
        Text("Data: the UTKFace archive of aligned and cropped faces, verified by sha256 before use."),
        sources_table("utkface"),
    ]
    headline = Headline(
        f"{aging['group_accuracy_within_one']:.2%} of aged test faces within one age group of the target, "
        f"{aging['group_accuracy']:.2%} in it",
        f"target: {WITHIN_ONE_TARGET:.0%} within one group (no published number on this judge)",
        aging["group_accuracy_within_one"],
        WITHIN_ONE_TARGET,
        run_ids["caae"],
    )
    return Section("Photo aging: a conditional adversarial autoencoder", blocks, headline)
