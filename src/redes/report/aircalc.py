"""The AirCalc section of the report: symbols, composed expressions, latency and the camera, read from disk."""

from __future__ import annotations

from redes.aircalc.data import FORMS as WRITTEN_FORMS
from redes.aircalc.symbols import TOKENS
from redes.config import Params, flatten
from redes.files import read_csv, read_json
from redes.paths import Workspace
from redes.report.document import Figure, Headline, Section, Table, Text
from redes.report.provenance import params_table, sources_table

# The targets AirCalc was built to (there is no published anchor for written-in-the-air arithmetic).
SYMBOL_TARGET, EXPRESSION_TARGET = 0.993, 0.97


def section(workspace: Workspace, params: Params) -> Section:
    metrics = read_json(workspace.metrics("aircalc"))
    run_id = read_json(workspace.runs("aircalc"))["recognizer"]
    card = read_json(workspace.processed("aircalc") / "card.json")
    symbols, expressions = metrics["symbols"], metrics["expressions"]
    tables = workspace.tables("aircalc")
    camera = read_json(tables / "camera_check.json")
    per_class_recall = dict(read_csv(tables / "per_class_recall.csv").itertuples(index=False))
    per_form_recall = dict(read_csv(tables / "per_form_recall.csv").itertuples(index=False))
    latency = expressions["latency_ms"]
    sizes = {split: sum(card[split].values()) for split in ("train", "validation", "test")}
    figures = workspace.figures("aircalc")
    results = Table(
        ("measure", "result", "target", "MLflow run"),
        (
            (
                "symbol test accuracy (14 classes)",
                f"{symbols['test_accuracy']:.2%}",
                f"≥ {SYMBOL_TARGET:.1%}",
                f"`{run_id}`",
            ),
            ("symbol macro F1", f"{symbols['macro_f1']:.4f}", "", ""),
            (
                "composed expressions: exact match",
                f"{expressions['exact_match']:.2%}",
                f"≥ {EXPRESSION_TARGET:.0%}",
                "",
            ),
            (
                "composed expressions: value accuracy",
                f"{expressions['value_accuracy']:.2%}",
                f"≥ {EXPRESSION_TARGET:.0%}",
                "",
            ),
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
        tuple((token, f"{per_class_recall[token]:.2%}", str(_test_images(card, token))) for token in TOKENS),
    )
    per_form = Table(
        ("written operator", "test recall", "test images"),
        tuple((form, f"{per_form_recall[form]:.2%}", str(card["test"].get(form, 0))) for form in WRITTEN_FORMS),
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
            f"The {params.aircalc.expressions.count:,} composed expressions are written from test-split symbols only "
            f"(seed {params.aircalc.expressions.seed}, {params.aircalc.expressions.min_symbols}-"
            f"{params.aircalc.expressions.max_symbols} symbols, random scale, gaps, baseline and stroke width) "
            "and read from their ink exactly as `redes aircalc image` reads a photo. Value accuracy counts a "
            "refused reading as wrong. The camera check moves a real hand photo so that its tracked fingertip "
            f"writes {camera['written']!r}: MediaPipe's hand tracker read it as {camera['read']!r} = {value}, "
            f"over {camera['frames']} frames."
        ),
        Figure(
            figures / "expression_read.png",
            "The first composed test expression: each box is a symbol as segmentation cut it, labelled with what it "
            "was read as and how sure; the title gives what was written, what was read and its exact value.",
            "A handwritten arithmetic expression with a box around each symbol and its reading above it.",
        ),
        Figure(
            figures / "expression_failures.png",
            "The first composed test expressions not read exactly, each titled with what was written and what was "
            "read, or why the reading was refused; the boxes show where the ink was cut into symbols.",
            "A column of handwritten expressions, each titled with the written and the read expression.",
        ),
        Figure(
            figures / "symbols_confusion.png",
            f"Confusion matrix on the {sizes['test']:,} test symbols; off the diagonal, the symbols taken for one "
            "another, such as ÷ written as a slash and read as 1.",
            "A 14 by 14 matrix of true against predicted symbols, digits and the four operators, with counts.",
        ),
        per_class,
        Text("Each written form of an operator apart: ÷ is written as an obelus or as a slash."),
        per_form,
        Figure(
            figures / "training_curves.png",
            "Each CNN of the recogniser, by seed: loss and accuracy per epoch, training and validation, overlaid; "
            "the recogniser averages the members' probabilities.",
            "Line plots of loss and accuracy per epoch for each member CNN, training and validation.",
        ),
        params_table("aircalc", flatten(params.aircalc.model_dump(), "aircalc.")),
        Text("Data: the published operator sets and MediaPipe's hand model, verified by sha256 before use."),
        sources_table("aircalc"),
    ]
    headline = Headline(
        f"{expressions['exact_match']:.2%} of composed test expressions read exactly, "
        f"{latency['mean']:.0f} ms each; symbols {symbols['test_accuracy']:.2%}",
        f"target: {EXPRESSION_TARGET:.0%} read exactly (no published anchor)",
        expressions["exact_match"],
        EXPRESSION_TARGET,
        run_id,
    )
    return Section("AirCalc: a calculator written in the air", blocks, headline)


def _test_images(card: dict, token: str) -> int:
    """Test images of a class: a digit's own count, an operator's summed over its written forms."""
    names = [form for form, written in WRITTEN_FORMS.items() if written == token] or [token]
    return sum(card["test"].get(name, 0) for name in names)
