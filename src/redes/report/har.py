"""The HAR section of the report: results over seeds, the data card, per-subject accuracy and figures."""

from __future__ import annotations

from redes.config import Params, flatten
from redes.files import read_csv, read_json
from redes.har.data import ACTIVITY_NAMES
from redes.har.params import HAR_MODELS
from redes.paths import Workspace
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table, sources_table

MODEL_TITLES = {
    "simple_rnn": "SimpleRNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "conv_lstm": "Conv1D + LSTM",
    "baseline": "logistic regression on window statistics",
}
ANCHORS = {
    "lstm": "2-layer LSTM 91.65 % (Chevalier, LSTM-HAR); 2×64 Keras LSTM about 92.3 %",
    "conv_lstm": "LSTM-CNN about 96 % (Xia et al. 2020)",
    "baseline": "SVM on 561 engineered features about 96 % (Anguita et al. 2013)",
}
# The headline: the best net of the course against the published number for its kind of net.
HEADLINE_MODEL, HEADLINE_ANCHOR = "conv_lstm", ("LSTM-CNN on the UCI HAR windows (Xia et al. 2020)", 0.96)
SPLITS = ("train", "validation", "test")
HARD_PAIR_KEY = "sitting_standing_error_share"


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("har"))
    seeds = read_csv(workspace.tables("har") / "seeds.csv")
    run_ids = read_json(workspace.runs("har"))
    card = read_json(workspace.processed("har") / "card.json")
    data = params.har.data
    names = [name for name in (*HAR_MODELS, "baseline") if name in metrics]
    results = Table(
        ("model", "test accuracy (mean ± std)", "best seed", "macro F1", "sitting/standing share of errors", "anchor"),
        tuple(
            (
                MODEL_TITLES[name],
                f"{metrics[name]['test_accuracy_mean']:.2%} ± {metrics[name]['test_accuracy_std']:.2%}",
                f"{metrics[name]['test_accuracy_best']:.2%}",
                f"{metrics[name]['macro_f1_mean']:.4f}",
                # Absent when sitting or standing is not among the chosen activities.
                f"{metrics[name]['sitting_standing_error_share']:.0%}" if HARD_PAIR_KEY in metrics[name] else "",
                ANCHORS.get(name, ""),
            )
            for name in names
        ),
    )
    runs = Table(
        ("model", "seed", "test accuracy", "macro F1", "MLflow run"),
        tuple(
            (
                MODEL_TITLES[row.model],
                str(row.seed),
                f"{row.test_accuracy:.2%}",
                f"{row.macro_f1:.4f}",
                f"`{run_ids[row.model][str(row.seed)]}`",
            )
            for row in seeds.itertuples()
        ),
        folded="Every model and seed: its test scores and its MLflow run",
    )
    classes = [ACTIVITY_NAMES[activity] for activity in data.activities]
    data_card = Table(
        ("split", "subjects", "windows", *classes),
        tuple(
            (
                split,
                ", ".join(sorted(card[split]["per_subject"], key=int)),
                f"{card[split]['windows']:,}",
                *(f"{card[split]['per_class'][name]:,}" for name in classes),
            )
            for split in SPLITS
        ),
    )
    per_class = read_csv(workspace.tables("har") / "per_class_accuracy.csv")
    class_table = Table(
        ("activity", *(MODEL_TITLES[name] for name in names), "test windows"),
        tuple(
            (activity, *(f"{accuracy:.1%}" for accuracy in row), f"{card['test']['per_class'][activity]:,}")
            for activity, row in zip(per_class["activity"], per_class[names].to_numpy(), strict=True)
        ),
        folded="Test accuracy on each activity (its recall over all seeds' windows), model by model",
    )
    per_subject = read_csv(workspace.tables("har") / "per_subject.csv")
    subject_table = Table(
        ("test subject", "windows", *(MODEL_TITLES[name] for name in names)),
        tuple(
            (
                str(subject),
                str(card["test"]["per_subject"][str(subject)]),
                *(f"{accuracy:.1%}" for accuracy in row),
            )
            for subject, row in zip(per_subject["subject"], per_subject[names].to_numpy(), strict=True)
        ),
        folded="Test accuracy on each test subject, model by model",
    )
    figures = workspace.figures("har")
    blocks = [
        Text(
            "Six activities (walking, upstairs, downstairs, sitting, standing, laying) from a waist-worn phone's "
            "accelerometer and gyroscope, 30 volunteers of the UCI HAPT recordings. The pipeline redoes the "
            f"UCI HAR signal processing on the raw {data.sampling_hz:g} Hz signals: a median filter "
            f"({data.median_kernel} samples) and an order-{data.filter_order} Butterworth low-pass at "
            f"{data.noise_cutoff_hz:g} Hz, gravity split off with an order-{data.filter_order} Butterworth at "
            f"{data.gravity_cutoff_hz:g} Hz, "
            f"windows of {data.window_length} samples every {data.window_step} inside each labelled activity, "
            "9 channels (body acceleration, angular velocity, total acceleration; xyz), standardised with the "
            "training windows' statistics. The split is by subject, UCI HAR's test subjects; validation subjects are "
            "held out of its training subjects. Windows are cut from HAPT's own labels, so there are slightly more "
            "than UCI HAR's 10,299 and the numbers compare with its anchors closely but not exactly."
        ),
        data_card,
        Text(
            f"Each model is trained with {params.har.seeds} seeds and evaluated on the test subjects only; "
            "mean ± standard deviation over seeds. The baseline is deterministic (one fit)."
        ),
        results,
        class_table,
        Figure(
            figures / "per_subject.png",
            "Test accuracy on each test subject, mean over seeds: a subject on which every model drops is hard in "
            "the data; one on which a single model drops is that model's weakness.",
            "Grouped bars of test accuracy per test subject, one bar per model.",
        ),
    ]
    for name in names:
        title = MODEL_TITLES[name]
        if name != "baseline":
            blocks.append(
                Figure(
                    figures / f"{name}_training_curves.png",
                    f"{title}: loss and accuracy per epoch of every seed, training and validation; the spread of "
                    "the validation curves between seeds is the spread of the results.",
                    f"Line plots of the {title}'s loss and accuracy per epoch, one pair of lines per seed.",
                )
            )
        blocks.append(
            Figure(
                figures / f"{name}_confusion.png",
                f"{title}: confusion on the test windows, all seeds summed; look at sitting against standing, two "
                "still postures that a phone at the waist tells apart only by how the body sways.",
                f"A {len(classes)} by {len(classes)} matrix of true against predicted activities for the {title}, "
                "with counts.",
            )
        )
    blocks += [
        runs,
        subject_table,
        params_table("har", flatten(params.har.model_dump(exclude={"model_defaults"}), "har.")),
        Text("Data: the HAPT raw recordings, verified by the sha256 of every member used."),
        sources_table("hapt"),
    ]
    headline = None
    if HEADLINE_MODEL in metrics:  # a student's params may leave it out
        best, best_seeds = metrics[HEADLINE_MODEL], seeds[seeds["model"] == HEADLINE_MODEL]
        seed = best_seeds.loc[best_seeds["test_accuracy"].idxmax(), "seed"]
        anchor, anchor_accuracy = HEADLINE_ANCHOR
        headline = Headline(
            f"{MODEL_TITLES[HEADLINE_MODEL]} {best['test_accuracy_mean']:.2%} ± {best['test_accuracy_std']:.2%} "
            f"over {len(best_seeds)} seeds, on subjects never trained on",
            f"{anchor}: about {anchor_accuracy:.0%}",
            best["test_accuracy_mean"],
            anchor_accuracy,
            run_ids[HEADLINE_MODEL][str(seed)],
        )
    return Section("Activity recognition: recurrent nets on raw smartphone signals", blocks, headline)
