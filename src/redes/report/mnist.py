"""The MNIST section of the report: metrics, params, data provenance and figures, read from disk."""

from __future__ import annotations

from redes.config import Params, flatten
from redes.files import read_json
from redes.mnist.params import MNIST_MODELS
from redes.paths import Workspace
from redes.report.document import Figure, Section, Table, Text
from redes.report.provenance import params_table, sources_table

ANCHORS = {
    "mlp": "Keras' classic MLP example: 98.40 % after 20 epochs",
    "cnn": "keras-io `mnist_convnet`: 99.22 % after 15 epochs",
}


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("mnist"))
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
                ANCHORS[name],
                f"`{run_ids[name]}`",
            )
            for name in MNIST_MODELS
        ),
    )
    per_class = Table(
        ("digit", *(name.upper() for name in MNIST_MODELS), "test images"),
        tuple(
            (
                digit,
                *(f"{metrics[name]['per_class_accuracy'][digit]:.2%}" for name in MNIST_MODELS),
                str(card["test"][digit]),
            )
            for digit in sorted(card["test"])
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
    for name in MNIST_MODELS:
        figures = workspace.figures("mnist")
        blocks += [
            Figure(figures / f"{name}_training_curves.png", f"{name.upper()}: loss and accuracy per epoch"),
            Figure(
                figures / f"{name}_confusion.png",
                f"{name.upper()}: confusion matrix on the {sizes['test']:,} test digits",
            ),
            Figure(figures / f"{name}_misclassified.png", f"{name.upper()}: misclassified test digits"),
        ]
    blocks += [
        Text("Params (`params.yaml`, section `mnist`):"),
        params_table(flatten(params.mnist.model_dump(), "mnist.")),
        Text("Data: the published IDX files, verified by sha256 before use."),
        sources_table("mnist"),
    ]
    return Section("MNIST: feed-forward net and CNN", blocks)
