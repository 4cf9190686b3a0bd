"""Composed expressions: valid token strings, written so that the segmenter recovers exactly the written symbols."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from redes.aircalc.compose import ComposedExpression, compose, random_tokens
from redes.aircalc.data import FORMS
from redes.aircalc.normalize import normalize_symbol
from redes.aircalc.segment import breaks, segment_image
from redes.aircalc.symbols import DIGITS, DIVIDE, MINUS, TOKENS
from tests.helpers.synthetic import digit_images, operator_image

NUMBER = r"-?(?:0|[1-9][0-9]{0,2})"  # an optional unary minus, 1-3 digits, no leading zero
EXPRESSION = re.compile(rf"{NUMBER}(?:[+\-×÷]{NUMBER})*")


@pytest.fixture(scope="module")
def pools() -> dict[str, list[np.ndarray]]:
    """Every token's normalised 28x28 images: synthetic digits (noise cleared, as MNIST's paper is) and operators."""
    rng = np.random.default_rng(0)
    pools: dict[str, list[np.ndarray]] = {token: [] for token in TOKENS}
    labels = np.repeat(np.arange(10), 6)
    for label, image in zip(labels, digit_images(labels, rng), strict=True):
        pools[DIGITS[label]].append(normalize_symbol(np.where(image > 128, image, 0) / np.float32(255.0)))
    for form, token in FORMS.items():
        pools[token].extend(normalize_symbol(operator_image(form, rng) / np.float32(255.0)) for _ in range(6))
    return pools


def test_random_tokens_are_valid_expressions_of_every_asked_length() -> None:
    rng = np.random.default_rng(1)
    drawn = [random_tokens(rng) for _ in range(2000)]
    assert {len(tokens) for tokens in drawn} == set(range(3, 12))
    for tokens in drawn:
        text = "".join(tokens)
        assert all(token in TOKENS for token in tokens)
        assert EXPRESSION.fullmatch(text), text
        assert re.search(r"[+\-×÷]", text[1:]), text  # a binary operator, not a lone number
        assert not re.search(f"{DIVIDE}{MINUS}?0", text), text  # no division by zero
    counts = Counter(token for tokens in drawn for token in tokens)
    assert all(counts[token] for token in TOKENS)
    unary = sum(bool(re.match(r"-|.*[+\-×÷]-", "".join(tokens))) for tokens in drawn)
    assert 0.05 < unary / len(drawn) < 0.5  # occasional


def test_random_tokens_keeps_other_bounds_and_refuses_impossible_ones() -> None:
    rng = np.random.default_rng(2)
    assert {len(random_tokens(rng, 5, 5)) for _ in range(50)} == {5}
    assert {len(random_tokens(rng, 1, 2)) for _ in range(50)} == {1, 2}
    with pytest.raises(ValueError):
        random_tokens(rng, 4, 3)


def test_composed_expressions_segment_into_exactly_the_written_symbols(pools: dict[str, list[np.ndarray]]) -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        tokens = random_tokens(rng)
        written = compose(tokens, pools, rng)
        assert isinstance(written, ComposedExpression)
        assert written.tokens == tuple(tokens) and written.text == "".join(tokens)
        image = written.image
        assert image.dtype == np.float32 and image.min() >= 0.0 and image.max() == 1.0
        assert not (image[0].any() or image[-1].any() or image[:, 0].any() or image[:, -1].any())  # a blank margin
        symbols = segment_image(image)
        assert len(symbols) == len(tokens), written.text
        np.testing.assert_allclose([s.box for s in symbols], written.boxes, atol=1)
        gaps = breaks(symbols)
        for index, gap in enumerate(gaps):
            if tokens[index] in DIGITS and tokens[index + 1] in DIGITS:
                assert not gap, f"{written.text}: a break inside a number after symbol {index}"


def test_operators_are_smaller_than_digits_and_a_minus_sits_on_the_mid_line(
    pools: dict[str, list[np.ndarray]],
) -> None:
    rng = np.random.default_rng(4)
    ratios = []
    for _ in range(50):
        written = compose(list("45-56"), pools, rng)  # synthetic 4, 5 and 6 are upright strokes
        digits = [box for token, box in zip(written.tokens, written.boxes, strict=True) if token in DIGITS]
        height = float(np.median([bottom - top for _, top, _, bottom in digits]))
        middle = float(np.median([(top + bottom) / 2 for _, top, _, bottom in digits]))
        x0, y0, x1, y1 = written.boxes[2]
        ratios.append((x1 - x0) / height)
        assert abs((y0 + y1) / 2 - middle) < 0.3 * height  # not on the baseline, half a height lower
    assert max(ratios) < 1.15 and np.mean(ratios) < 0.85


def test_compose_refuses_a_token_it_has_no_images_for(pools: dict[str, list[np.ndarray]]) -> None:
    rng = np.random.default_rng(5)
    with pytest.raises(ValueError, match="no images"):
        compose(["1", "+", "2"], {"1": pools["1"], "2": pools["2"], "+": []}, rng)
    with pytest.raises(ValueError, match="no tokens"):
        compose([], pools, rng)
