"""AirCalc's scores: symbols one by one, then whole written expressions read end to end.

Symbol scores are the shared classifier scores over the 14 classes, with each class's recall
and each written form's (the slash and the obelus are both ÷). The expressions are written
by `compose` from TEST-split symbols only, seeded, and read through the same `Recognizer`
the CLI and the web page use, from the ink image: segmentation, normalisation, the network,
the grammar decoder and the exact evaluator all count. A reading is an exact match when its
tokens are the written ones; value-accurate when the calculator gave a value and it is the
true one (a refused reading is not). Latency is the wall time of one whole reading. The
camera check times the hand tracking on a video of a real hand photo writing an expression.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from redes.aircalc.airwriting import HandTracker, PresenceRule, read_video
from redes.aircalc.compose import ComposedExpression, compose, random_tokens
from redes.aircalc.data import AircalcSplits
from redes.aircalc.expression import evaluate
from redes.aircalc.handvideo import FRAME_SIZE, SEVEN_MINUS_ONE, hand_in_frame, save_video, writing_frames
from redes.aircalc.recognize import Recognition, Recognizer
from redes.aircalc.symbols import N_CLASSES, TOKENS
from redes.classifier_metrics import ClassifierScores, per_class_recall, score_predictions


@dataclass(frozen=True)
class SymbolScores(ClassifierScores):
    """The recogniser on the test split's single symbols: the shared scores and every prediction."""

    predictions: np.ndarray
    per_class_recall: dict[str, float]
    per_form_recall: dict[str, float]  # each written operator form: the slash and the obelus apart

    def to_dict(self) -> dict:
        """The `symbols` block of aircalc.json; each class's and form's recall are in `recall_tables`."""
        return {"test_accuracy": self.accuracy, "test_errors": self.errors, "macro_f1": self.macro_f1}

    def recall_tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables of recall per symbol and per written operator form, by file name."""
        return {
            "per_class_recall.csv": pd.DataFrame(self.per_class_recall.items(), columns=["symbol", "recall"]),
            "per_form_recall.csv": pd.DataFrame(self.per_form_recall.items(), columns=["form", "recall"]),
        }


def score_symbols(recognizer: Recognizer, splits: AircalcSplits, batch_size: int = 1024) -> SymbolScores:
    """The recogniser on the test split's single symbols, scored per class and per written operator form."""
    predictions = recognizer.model.predict(splits.x_test, batch_size=batch_size, verbose=0).argmax(axis=1)
    scores = score_predictions(splits.y_test, predictions, N_CLASSES)
    right = predictions == splits.y_test
    return SymbolScores(
        accuracy=scores.accuracy,
        macro_f1=scores.macro_f1,
        confusion=scores.confusion,
        predictions=predictions,
        per_class_recall=per_class_recall(scores.confusion, TOKENS),
        per_form_recall={
            str(form): float(right[splits.form_test == form].mean())
            for form in sorted(set(splits.form_test) - {"digit"})
        },
    )


def pools_of_test_split(splits: AircalcSplits) -> dict[str, list[np.ndarray]]:
    """token -> the test split's images of it: the only symbols the evaluation writes with."""
    return {token: list(splits.x_test[splits.y_test == index, ..., 0]) for index, token in enumerate(TOKENS)}


@dataclass(frozen=True, eq=False)
class ReadExpression:
    written: ComposedExpression
    recognition: Recognition
    seconds: float

    @property
    def exact(self) -> bool:
        return self.recognition.reading is not None and self.recognition.reading.tokens == self.written.tokens

    @property
    def value_right(self) -> bool:
        return self.recognition.value is not None and self.recognition.value.fraction == evaluate(self.written.tokens)


@dataclass(frozen=True, eq=False)
class ExpressionScores:
    read: list[ReadExpression] = field(repr=False)

    @property
    def count(self) -> int:
        return len(self.read)

    @property
    def exact_match(self) -> float:
        return float(np.mean([r.exact for r in self.read]))

    @property
    def value_accuracy(self) -> float:
        return float(np.mean([r.value_right for r in self.read]))

    @property
    def symbol_accuracy(self) -> float:
        """Symbols read right in context, over all written symbols (a missed or extra cut counts every symbol wrong)."""
        right = total = 0
        for r in self.read:
            total += len(r.written.tokens)
            reading = r.recognition.reading
            if reading is not None and len(reading.tokens) == len(r.written.tokens):
                right += sum(a == b for a, b in zip(reading.tokens, r.written.tokens, strict=True))
        return right / total

    def latency_ms(self) -> dict[str, float]:
        seconds = np.array([r.seconds for r in self.read]) * 1000
        return {
            "mean": float(seconds.mean()),
            "median": float(np.median(seconds)),
            "p95": float(np.quantile(seconds, 0.95)),
        }

    def failures(self) -> list[ReadExpression]:
        return [r for r in self.read if not (r.exact and r.value_right)]

    def to_dict(self) -> dict:
        return {
            "exact_match": self.exact_match,
            "value_accuracy": self.value_accuracy,
            "symbol_accuracy_in_context": self.symbol_accuracy,
        }


def score_expressions(
    recognizer: Recognizer,
    pools: Mapping[str, list[np.ndarray]],
    *,
    count: int,
    seed: int,
    min_symbols: int,
    max_symbols: int,
) -> ExpressionScores:
    """Write `count` random expressions from `pools` (seeded) and read each from its ink, timed."""
    rng = np.random.default_rng(seed)
    recognizer.read_image(
        compose(["1", "+", "1"], pools, rng).image, ink="light"
    )  # warm-up: the first call builds the graph
    read = []
    for _ in tqdm(range(count), desc="composed expressions", unit="expr", mininterval=5):
        written = compose(random_tokens(rng, min_symbols, max_symbols), pools, rng)
        start = time.perf_counter()
        recognition = recognizer.read_image(written.image, ink="light")
        read.append(ReadExpression(written, recognition, time.perf_counter() - start))
    return ExpressionScores(read)


def camera_check(
    tracker: HandTracker, photo_rgb: np.ndarray, recognizer: Recognizer, video_path: Path, repeats: int = 3
) -> dict:
    """The camera path timed on 640×480 frames: a video of the photo's hand writing "7-1", tracked and read.

    The video is read `repeats` times with one tracker (the first pass pays the tracker's warm-up);
    frames per second count every frame read, tracked and turned into strokes.
    """
    photo, fingertip = hand_in_frame(photo_rgb, tracker)
    video = save_video(list(writing_frames(photo, fingertip, SEVEN_MINUS_ONE)), video_path)
    passes = [read_video(video, tracker, PresenceRule()) for _ in range(repeats)]
    recognition = recognizer.read_strokes(passes[-1].strokes)
    return {
        "fps": sum(p.frames for p in passes) / sum(p.seconds for p in passes),
        "frame_size": list(FRAME_SIZE),
        "frames": sum(p.frames for p in passes),
        "written": SEVEN_MINUS_ONE.text,
        "read": recognition.text,
        "value": recognition.value.to_dict() if recognition.value else None,
    }
