"""The AirCalc section of the report: symbols, composed expressions, latency and the camera, read from disk."""

from __future__ import annotations

from redes.aircalc.data import FORMS as WRITTEN_FORMS
from redes.aircalc.symbols import TOKENS
from redes.config import Params, flatten
from redes.files import read_json
from redes.paths import Workspace
from redes.report.document import Figure, Section, Table, Text
from redes.report.provenance import params_table, sources_table


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("aircalc"))
    run_id = read_json(workspace.runs("aircalc"))["recognizer"]
    card = read_json(workspace.processed("aircalc") / "card.json")
    symbols, expressions, camera = metrics["symbols"], metrics["expressions"], metrics["camera_check"]
    latency = expressions["latency_ms"]
    sizes = {split: sum(card[split].values()) for split in ("train", "validation", "test")}
    figures = workspace.figures("aircalc")
    results = Table(
        ("measure", "result", "target", "MLflow run"),
        (
            ("symbol test accuracy (14 classes)", f"{symbols['test_accuracy']:.2%}", "≥ 99.3 %", f"`{run_id}`"),
            ("symbol macro F1", f"{symbols['macro_f1']:.4f}", "", ""),
            ("composed expressions: exact match", f"{expressions['exact_match']:.2%}", "≥ 97 %", ""),
            ("composed expressions: value accuracy", f"{expressions['value_accuracy']:.2%}", "≥ 97 %", ""),
            ("symbols read right in context", f"{expressions['symbol_accuracy_in_context']:.2%}", "", ""),
            (
                "time per expression (segment, classify, decode)",
                f"{latency['mean']:.1f} ms mean, {latency['p95']:.1f} ms p95",
                "≤ 30 ms",
                "",
            ),
            ("camera path (640×480 frames)", f"{metrics['camera_fps']:.1f} frames/s", "≥ 15 frames/s", ""),
        ),
    )
    per_class = Table(
        ("symbol", "test recall", "test images"),
        tuple((token, f"{symbols['per_class_recall'][token]:.2%}", str(_test_images(card, token))) for token in TOKENS),
    )
    per_form = Table(
        ("written operator", "test recall", "test images"),
        tuple(
            (form, f"{symbols['per_form_recall'][form]:.2%}", str(card["test"].get(form, 0))) for form in WRITTEN_FORMS
        ),
    )
    value = camera["value"]["decimal"] if camera["value"] else "no value"
    recognizer = params.aircalc.recognizer
    blocks = [
        Text(
            "A calculator for arithmetic written with a fingertip in the air, on a canvas or on paper. "
            "Fourteen symbols: MNIST's digits and four operators from two published sets (BHMSDS, MDAS), "
            "every image normalised the way MNIST was made; the operators are split by writing, so no "
            f"mirrored copy of a test image is trained on: {sizes['train']:,} symbols to train, "
            f"{sizes['validation']:,} to validate, {sizes['test']:,} to test. The recogniser averages "
            f"{recognizer.members} MNIST CNNs with a 14-way softmax, each trained from its own seed with every "
            f"stroke thickened by a random 0-{recognizer.augmentation.pen_growth} pixels, so that the pen "
            "the operator sets were drawn with tells nothing. An expression is cut into symbols, each "
            "classified, and the most probable valid expression under the grammar is evaluated exactly "
            "(fractions, never floats)."
        ),
        results,
        Text(
            f"The {expressions['count']:,} composed expressions are written from test-split symbols only "
            f"(seed {params.aircalc.expressions.seed}, {params.aircalc.expressions.min_symbols}-"
            f"{params.aircalc.expressions.max_symbols} symbols, random scale, gaps, baseline and stroke width) "
            "and read from their ink exactly as `redes aircalc image` reads a photo. Value accuracy counts a "
            "refused reading as wrong. The camera check moves a real hand photo so that its tracked fingertip "
            f"writes {camera['written']!r}: MediaPipe's hand tracker read it as {camera['read']!r} = {value}, "
            f"over {camera['frames']} frames."
        ),
        Figure(figures / "expression_read.png", "The first composed test expression: each box and what it was read as"),
        Figure(figures / "expression_failures.png", "Composed test expressions not read exactly, and why"),
        Figure(figures / "symbols_confusion.png", f"Confusion matrix on the {sizes['test']:,} test symbols"),
        per_class,
        Text("Each written form of an operator apart: ÷ is written as an obelus or as a slash."),
        per_form,
        Figure(figures / "training_curves.png", "Each CNN of the recogniser, by seed: loss and accuracy per epoch"),
        Text("Params (`params.yaml`, section `aircalc`):"),
        params_table(flatten(params.aircalc.model_dump(), "aircalc.")),
        Text("Data: the published operator sets and MediaPipe's hand model, verified by sha256 before use."),
        sources_table("aircalc"),
    ]
    return Section("AirCalc: a calculator written in the air", blocks)


def _test_images(card: dict, token: str) -> int:
    """Test images of a class: a digit's own count, an operator's summed over its written forms."""
    names = [form for form, written in WRITTEN_FORMS.items() if written == token] or [token]
    return sum(card["test"].get(name, 0) for name in names)
