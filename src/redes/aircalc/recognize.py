"""From ink or strokes to an exact result: what the CLI, the web page and the evaluation all call.

segment -> normalise each symbol the MNIST way -> the recogniser's 14 probabilities per symbol
-> the grammar decoder -> the exact evaluator. A reading that fails (nothing written, two
operators in a row, a symbol read with too little confidence, division by zero) is still a
`Recognition`: it keeps the symbols and their probabilities, so a front end can show what it
read and where the problem is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from redes.aircalc.decode import Reading, decode, read
from redes.aircalc.expression import ExpressionError, Value, describe_value, evaluate, tokens_to_text
from redes.aircalc.normalize import ink_from_image, normalize_symbol
from redes.aircalc.segment import Stroke, Symbol, breaks, segment_image, segment_strokes
from redes.aircalc.symbols import N_CLASSES
from redes.errors import RedesError

MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Recognition:
    """What was read: the symbols with their boxes and probabilities, then a value or an error."""

    symbols: tuple[Symbol, ...]
    probabilities: np.ndarray  # (n, 14)
    reading: Reading | None  # the grammar's best reading; None when nothing was written
    value: Value | None
    error: ExpressionError | None

    @property
    def text(self) -> str:
        return tokens_to_text(self.reading.tokens) if self.reading else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON for the web page and `redes aircalc image --json`."""
        symbols = []
        for index, symbol in enumerate(self.symbols):
            entry: dict[str, Any] = {"box": list(symbol.box)}
            if self.reading is not None:
                entry["token"] = self.reading.tokens[index]
                entry["confidence"] = round(self.reading.confidences[index], 4)
                entry["alternatives"] = [
                    {"token": token, "probability": round(p, 4)} for token, p in self.reading.alternatives[index]
                ]
            symbols.append(entry)
        error = None
        if self.error is not None:
            error = {"kind": self.error.kind, "position": self.error.position, "message": str(self.error)}
        return {
            "symbols": symbols,
            "expression": self.text,
            "value": self.value.to_dict() if self.value else None,
            "error": error,
        }


class Recognizer:
    """The trained recogniser with the reading pipeline around it."""

    def __init__(self, model: Any, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.model = model
        self.min_confidence = min_confidence

    @classmethod
    def load(cls, path: Path, min_confidence: float = MIN_CONFIDENCE) -> Recognizer:
        """The model `dvc repro aircalc_train` saved; a missing or unreadable one says so."""
        if not path.exists():
            raise RedesError(f"{path} is missing: run `dvc repro aircalc_train` to train the recogniser")
        # TensorFlow only once there is a model to load; the models module registers the recogniser's own layers.
        import redes.aircalc.models  # noqa: F401
        from redes.training import load_model

        return cls(load_model(path), min_confidence)

    def probabilities(self, symbols: Sequence[Symbol]) -> np.ndarray:
        """(n, 14) class probabilities, one row per symbol, each normalised as the training images were."""
        if not symbols:
            return np.zeros((0, N_CLASSES), dtype=np.float32)
        batch = np.stack([normalize_symbol(symbol.ink) for symbol in symbols])[..., np.newaxis]
        # predict_on_batch runs Keras' compiled predict step: no dataset set-up, as predict() has, and none of
        # the op-by-op dispatch of an eager call (about 13 ms per member on 2 cores, against 2-3 ms for both).
        return np.asarray(self.model.predict_on_batch(batch), dtype=np.float64)

    def read_symbols(self, symbols: Sequence[Symbol]) -> Recognition:
        symbols = tuple(symbols)
        probabilities = self.probabilities(symbols)
        gaps = breaks(symbols)
        reading = decode(probabilities, gaps) if symbols else None
        value = error = None
        try:
            checked = read(probabilities, gaps, self.min_confidence)
            value = describe_value(evaluate(checked.tokens))
        except ExpressionError as problem:
            error = problem
        return Recognition(symbols, probabilities, reading, value, error)

    def read_image(self, image: np.ndarray, ink: Literal["auto", "dark", "light"] = "auto") -> Recognition:
        """A photo or scan of a written expression (grey or colour, any size)."""
        return self.read_symbols(segment_image(ink_from_image(image, ink)))

    def read_strokes(self, strokes: Sequence[Stroke]) -> Recognition:
        """Pen-down point sequences from the canvas or the fingertip tracker."""
        return self.read_symbols(segment_strokes(strokes))
