"""Reading whole expressions, written as ink or as pen strokes, through a real (tiny) recogniser."""

from __future__ import annotations

import numpy as np

from redes.aircalc.compose import compose, random_tokens
from redes.aircalc.recognize import Recognizer
from redes.aircalc.segment import render_strokes
from tests.helpers.aircalc import synthetic_pools


def test_composed_expressions_of_unseen_symbols_are_read_and_computed(recognizer: Recognizer) -> None:
    pools = synthetic_pools(10, seed=3)  # symbols the recogniser never trained on
    rng = np.random.default_rng(4)
    read_right = 0
    for _ in range(20):
        written = compose(random_tokens(rng), pools, rng)
        recognition = recognizer.read_image(1.0 - written.image)  # as a scan: dark ink on white
        assert len(recognition.symbols) == len(written.tokens)
        read_right += recognition.text == written.text
        if recognition.text == written.text and recognition.error is None:
            assert recognition.value is not None
    # A net trained for seconds on font digits misreads some; a broken cut, normalisation or decode reads none.
    assert read_right >= 15


def test_the_reading_names_each_symbol_its_box_and_the_exact_value(recognizer: Recognizer) -> None:
    pools = synthetic_pools(1, seed=5)
    written = compose(["1", "2", "÷", "8"], pools, np.random.default_rng(6))
    result = recognizer.read_image(written.image, ink="light").to_dict()
    assert result["expression"] == "12÷8"
    assert [tuple(symbol["box"]) for symbol in result["symbols"]] == list(written.boxes)
    assert all(0.5 <= symbol["confidence"] <= 1 for symbol in result["symbols"])
    assert result["value"]["fraction"] == "3/2" and result["value"]["decimal"] == "1.5"
    assert result["error"] is None


def test_errors_a_person_can_act_on_keep_what_was_read(recognizer: Recognizer) -> None:
    pools = synthetic_pools(1, seed=7)
    written = compose(["7", "÷", "0"], pools, np.random.default_rng(8))
    recognition = recognizer.read_image(written.image, ink="light")
    assert recognition.text == "7÷0"
    assert recognition.error is not None and recognition.error.kind == "division_by_zero"
    assert recognition.error.position == 1 and recognition.value is None
    nothing = recognizer.read_image(np.zeros((40, 60)), ink="light")
    assert nothing.symbols == () and nothing.error.kind == "empty" and nothing.reading is None


def test_strokes_are_read_like_the_ink_they_draw(recognizer: Recognizer) -> None:
    """'7-1' as a pen writes it: a 7 in one stroke, a minus, a 1 in two strokes."""
    strokes = [
        np.array([[10, 10], [40, 10], [22, 60]]),
        np.array([[60, 35], [85, 35]]),
        np.array([[105, 18], [112, 10]]),
        np.array([[112, 10], [112, 60]]),
    ]
    from_strokes = recognizer.read_strokes(strokes)
    ink, _ = render_strokes(strokes)
    from_ink = recognizer.read_image(ink, ink="light")
    assert len(from_strokes.symbols) == 3
    assert from_strokes.reading.tokens[1] == "-"
    assert from_strokes.reading.tokens == from_ink.reading.tokens
    np.testing.assert_allclose(from_strokes.probabilities, from_ink.probabilities, atol=0.05)
