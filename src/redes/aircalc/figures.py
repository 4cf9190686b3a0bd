"""AirCalc's figures for the report: the symbols' confusion, a composed expression as read, the failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from redes import figures
from redes.aircalc.evaluate import ExpressionScores, ReadExpression, SymbolScores
from redes.aircalc.expression import tokens_to_text
from redes.aircalc.symbols import TOKENS

FAILURES_SHOWN = 8


def _draw_reading(axes: Axes, read: ReadExpression, boxes: bool) -> None:
    """The ink as written; with `boxes`, each symbol's box labelled with what was read and its confidence."""
    axes.imshow(read.written.image, cmap="gray_r", vmin=0.0, vmax=1.0)
    axes.set_xticks([])
    axes.set_yticks([])
    reading = read.recognition.reading
    if not boxes or reading is None:
        return
    for symbol, token, confidence in zip(read.recognition.symbols, reading.tokens, reading.confidences, strict=True):
        x0, y0, x1, y1 = symbol.box
        axes.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="C3", linewidth=1))
        axes.annotate(f"{token} {confidence:.2f}", (x0, y0), (0, 3), textcoords="offset points", fontsize=7, color="C3")


def _verdict(read: ReadExpression) -> str:
    recognition = read.recognition
    said = f"read {recognition.text or '(nothing)'}"
    if recognition.error is not None:
        return f"{said}: refused, {recognition.error.kind} at symbol {recognition.error.position}"
    return f"{said} = {recognition.value.fraction if recognition.value else '?'}"


def expression_figure(read: ReadExpression) -> Figure:
    """One composed test expression with the boxes the segmentation cut and what each was read as."""
    height, width = read.written.image.shape
    figure, axes = plt.subplots(figsize=(min(12.0, 1.0 + width / 40), 1.2 + height / 40), layout="constrained")
    _draw_reading(axes, read, boxes=True)
    axes.set_title(f"wrote {read.written.text}; {_verdict(read)}", fontsize=9)
    return figure


def failures_figure(failures: Sequence[ReadExpression], count: int) -> Figure:
    """The first failed expressions: what was written, what was read and why it failed."""
    shown = list(failures[:FAILURES_SHOWN])
    figure, axes_column = plt.subplots(max(1, len(shown)), 1, figsize=(8, 1.1 * max(1, len(shown)) + 0.4))
    for axes, read in zip(np.atleast_1d(axes_column), shown, strict=False):
        _draw_reading(axes, read, boxes=True)
        axes.set_title(f"wrote {tokens_to_text(read.written.tokens)}; {_verdict(read)}", fontsize=8)
    if not shown:
        np.atleast_1d(axes_column)[0].axis("off")
    figure.suptitle(f"AirCalc: {len(failures)} of {count} composed test expressions missed (first {len(shown)})")
    figure.set_layout_engine("constrained")
    return figure


def write_figures(
    symbols: SymbolScores, expressions: ExpressionScores, histories: Mapping[str, pd.DataFrame], out_dir: Path
) -> list[Path]:
    """Confusion over the 14 symbols, each member's training curves, the first expression as read, the failures."""
    return [
        figures.save(
            figures.confusion_matrix_figure(
                symbols.confusion, TOKENS, f"AirCalc symbols: test accuracy {symbols.accuracy:.2%}"
            ),
            out_dir / "symbols_confusion.png",
        ),
        figures.save(
            figures.training_curves_figure(histories, "AirCalc recogniser: training curves"),
            out_dir / "training_curves.png",
        ),
        figures.save(expression_figure(expressions.read[0]), out_dir / "expression_read.png"),
        figures.save(failures_figure(expressions.failures(), expressions.count), out_dir / "expression_failures.png"),
    ]
