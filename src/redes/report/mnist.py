"""The MNIST section of the report: metrics, params, data provenance and figures, read from disk."""

from __future__ import annotations

from redes.config import Params, flatten
from redes.files import read_csv, read_json
from redes.mnist.params import MNIST_MODELS
from redes.paths import Workspace
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table, sources_table

# Each model's published anchor: where it comes from, and its test accuracy.
ANCHORS = {
    "mlp": ("Keras' classic MLP example, after 20 epochs", 0.9840),
    "cnn": ("keras-io `mnist_convnet`, after 15 epochs", 0.9922),
}


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("mnist"))
    per_class_accuracy = read_csv(workspace.tables("mnist") / "per_class_accuracy.csv")
    run_ids = read_json(workspace.runs("mnist"))
    card = read_json(workspace.processed("mnist") / "card.json")
    results = Table(
        ("model", "test accuracy", "macro F1", "test errors", "anchor", "MLflow run"),
        tuple(
            (
                name.upper(),
                f"{metrics[name]['test_accuracy']:.2%}",
                f"{metrics[name]['macro_f1']:.4f}",
                str(metrics[name]["test_errors"]),
                f"{ANCHORS[name][0]}: {ANCHORS[name][1]:.2%}",
                f"`{run_ids[name]}`",
            )
            for name in MNIST_MODELS
        ),
    )
    per_class = Table(
        ("digit", *(name.upper() for name in MNIST_MODELS), "test images"),
        tuple(
            (
                str(row.digit),
                *(f"{getattr(row, name):.2%}" for name in MNIST_MODELS),
                str(card["test"][str(row.digit)]),
            )
            for row in per_class_accuracy.itertuples()
        ),
    )
    sizes = {split: sum(card[split].values()) for split in ("train", "validation", "test")}
    blocks = [
        Text(
            "Handwritten digits (LeCun et al. 1998), 28x28 greyscale. A feed-forward net (eq. 35-36) and a "
            "convolutional net, trained with early stopping on a seeded validation split of the training images: "
            f"{sizes['train']:,} to train, {sizes['validation']:,} to validate, {sizes['test']:,} to test."
        ),
        results,
        Text("Accuracy on each digit of the test set (the recall of each class)."),
        per_class,
    ]
    figures = workspace.figures("mnist")
    for name in MNIST_MODELS:
        title = name.upper()
        blocks += [
            Figure(
                figures / f"{name}_training_curves.png",
                f"{title}: loss and accuracy per epoch on the training and validation images; the gap between the "
                "two is how much of the training set the net has learnt by heart.",
                f"Two line plots of the {title}'s loss and accuracy per epoch, training and validation.",
            ),
            Figure(
                figures / f"{name}_confusion.png",
                f"{title}: confusion matrix on the {sizes['test']:,} test digits; off the diagonal, the digits it "
                "takes for one another.",
                f"A 10 by 10 matrix of true against predicted digits for the {title}, with the count in each cell.",
            ),
            Figure(
                figures / f"{name}_misclassified.png",
                f"{title}: test digits it got wrong, each with its reading and the label.",
                f"A grid of misclassified handwritten digits, each titled with the {title}'s reading and the label.",
            ),
        ]
    blocks += [
        params_table("mnist", flatten(params.mnist.model_dump(), "mnist.")),
        Text("Data: the published IDX files, verified by sha256 before use."),
        sources_table("mnist"),
    ]
    anchor, anchor_accuracy = ANCHORS["cnn"]
    headline = Headline(
        f"CNN {metrics['cnn']['test_accuracy']:.2%} test accuracy (MLP {metrics['mlp']['test_accuracy']:.2%})",
        f"{anchor}: {anchor_accuracy:.2%}",
        metrics["cnn"]["test_accuracy"],
        anchor_accuracy,
        run_ids["cnn"],
    )
    return Section("MNIST: feed-forward net and CNN", blocks, headline)
