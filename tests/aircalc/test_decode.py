"""AirCalc's decoder: the best valid reading, checked against brute force, and read's refusals of unsure readings."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from redes.aircalc.decode import PROBABILITY_FLOOR, decode, read
from redes.aircalc.expression import ExpressionError, syntax_error
from redes.aircalc.symbols import CLASS_INDEX, DIGITS, N_CLASSES, TOKENS


def peaked(text: str, **uncertain: dict[str, float]) -> np.ndarray:
    """Probabilities that read `text` with 0.95 per symbol; `uncertain["s2"]` gives symbol 2 its own distribution."""
    probabilities = np.full((len(text), N_CLASSES), 0.05 / (N_CLASSES - 1))
    for i, token in enumerate(text):
        probabilities[i, CLASS_INDEX[token]] = 0.95
    for key, distribution in uncertain.items():
        i = int(key[1:])
        rest = (1 - sum(distribution.values())) / (N_CLASSES - len(distribution))
        probabilities[i] = rest
        for token, p in distribution.items():
            probabilities[i, CLASS_INDEX[token]] = p
    return probabilities


def respects_breaks(tokens: tuple[str, ...], breaks: list[bool]) -> bool:
    return not any(gap and a in DIGITS and b in DIGITS for gap, a, b in zip(breaks, tokens, tokens[1:], strict=False))


@functools.cache
def all_sequences(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every sequence of n class indices, and which are expressions (ignoring gaps)."""
    sequences = np.array(list(itertools.product(range(N_CLASSES), repeat=n)), dtype=np.intp)
    grammatical = np.array([syntax_error([TOKENS[index] for index in sequence]) is None for sequence in sequences])
    return sequences, grammatical


@pytest.mark.parametrize(("n", "seed"), [(n, seed) for n in (1, 2, 3, 4) for seed in range(6)])
def test_decode_finds_the_most_probable_valid_reading(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.full(N_CLASSES, 0.3), size=n)
    if seed % 2:  # classes the network rules out entirely: the floor keeps their cost finite
        probabilities[rng.random(probabilities.shape) < 0.3] = 0.0
    breaks = list(rng.random(n - 1) < 0.5)

    sequences, valid = all_sequences(n)
    is_digit = np.isin(sequences, [CLASS_INDEX[digit] for digit in DIGITS])
    for i, gap in enumerate(breaks):
        if gap:
            valid = valid & ~(is_digit[:, i] & is_digit[:, i + 1])
    log_p = np.log(np.maximum(probabilities, PROBABILITY_FLOOR))
    scores = log_p[np.arange(n), sequences].sum(axis=1)

    reading = decode(probabilities, breaks)
    assert reading.log_probability == pytest.approx(scores[valid].max(), abs=1e-9)
    assert syntax_error(reading.tokens) is None
    assert respects_breaks(reading.tokens, breaks)
    chosen = [CLASS_INDEX[token] for token in reading.tokens]
    assert reading.log_probability == pytest.approx(log_p[np.arange(n), chosen].sum(), abs=1e-9)
    weights = np.exp(scores - scores[valid].max()) * valid  # each valid reading's probability, up to a constant
    for i, index in enumerate(chosen):
        in_context = weights[sequences[:, i] == index].sum() / weights.sum()
        assert reading.confidences[i] == pytest.approx(in_context, abs=1e-9)
    for row, alternatives in zip(probabilities, reading.alternatives, strict=True):
        assert [p for _, p in alternatives] == sorted(row, reverse=True)[:3]
        assert all(row[CLASS_INDEX[token]] == p for token, p in alternatives)


def test_a_gap_turns_a_likely_digit_into_the_operator_it_must_be() -> None:
    probabilities = peaked("213", s1={"1": 0.6, "÷": 0.4})
    assert decode(probabilities).tokens == tuple("213")  # no gaps: one number, 213
    reading = decode(probabilities, breaks=[True, True])  # 2 and 3 apart: "1" would make three numbers in a row
    assert reading.tokens == tuple("2÷3")
    # Only an operator fits there, and the network's 40 % on ÷ against 0.0077 % on each other one makes it sure.
    assert reading.confidences[1] > 0.99


def test_a_valid_greedy_reading_is_the_reading() -> None:
    text = "12×-3+4÷5"
    probabilities = peaked(text, s3={"-": 0.5, "+": 0.3})
    reading = decode(probabilities)
    assert reading.tokens == tuple(text)
    assert reading.tokens == tuple(TOKENS[index] for index in probabilities.argmax(axis=1))
    assert reading.alternatives[3][:2] == (("-", pytest.approx(0.5)), ("+", pytest.approx(0.3)))
    assert read(probabilities) == reading


def test_the_grammar_overrules_an_invalid_greedy_reading() -> None:
    probabilities = peaked("2×+3", s2={"+": 0.55, "-": 0.45})
    assert decode(probabilities).tokens == tuple("2×-3")


def test_a_single_operator_is_read_as_its_likeliest_digit() -> None:
    probabilities = peaked("+", s0={"+": 0.9, "7": 0.06, "1": 0.03})
    assert decode(probabilities).tokens == ("7",)


def test_no_symbols_is_empty() -> None:
    with pytest.raises(ExpressionError) as caught:
        decode(np.zeros((0, N_CLASSES)))
    assert (caught.value.kind, caught.value.position, str(caught.value)) == ("empty", None, "nothing written")


@pytest.mark.parametrize(
    ("shape", "breaks", "match"),
    [((3,), None, "shape"), ((2, 10), None, "shape"), ((3, N_CLASSES), [True], "2 breaks|1 breaks")],
)
def test_malformed_input_is_a_programming_error(shape: tuple[int, ...], breaks: list[bool] | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        decode(np.full(shape, 1 / N_CLASSES), breaks)


def test_read_refuses_a_symbol_it_is_unsure_of() -> None:
    probabilities = peaked("2+7", s2={"7": 0.41, "1": 0.38})
    with pytest.raises(ExpressionError) as caught:
        read(probabilities)
    assert (caught.value.kind, caught.value.position) == ("low_confidence", 2)
    # In context the last symbol must be a digit: 7 has 0.41 / 0.93 of the digits' mass, 1 has 0.38 / 0.93.
    assert str(caught.value) == "symbol 3: read as 7 with only 44 % confidence (next best 1, 40 %); write it again"
    assert read(probabilities, min_confidence=0.4).tokens == tuple("2+7")


def test_read_explains_with_the_greedy_syntax_error_when_there_is_one() -> None:
    probabilities = peaked("2×+3", s2={"+": 0.55, "-": 0.45})
    with pytest.raises(ExpressionError) as caught:
        read(probabilities)  # the decoder's "-" has 45 %; "two operators in a row" says why it was doubted
    assert (caught.value.kind, caught.value.position) == ("operator_sequence", 2)
    assert str(caught.value) == "symbol 3: two operators in a row (× then +)"
    assert read(probabilities, min_confidence=0.4).tokens == tuple("2×-3")


def test_read_trusts_an_operator_the_gaps_demand_even_if_the_network_saw_a_digit() -> None:
    """A slash written like a 1 between two numbers set apart: 62 ÷ 54, not refused and not 62154."""
    probabilities = peaked("62154", s2={"1": 0.995, "÷": 0.004})
    reading = read(probabilities, breaks=[False, True, True, False])
    assert reading.tokens == tuple("62÷54")
    assert reading.confidences[2] > 0.8  # 0.004 against 0.00008 for each other operator: sure in context
    assert read(probabilities).tokens == tuple("62154")  # written close together, it is one number


def test_a_one_that_looks_like_a_slash_at_the_start_is_read_as_the_one_it_must_be() -> None:
    """Digits and the slash share a shape; + and - do not: only an operator mended into another is doubted."""
    probabilities = peaked("17÷6", s0={"÷": 0.6, "1": 0.35})
    assert read(probabilities).tokens == tuple("17÷6")


def test_a_digit_the_gaps_would_turn_into_an_operator_is_refused_not_computed() -> None:
    """'1   2' written far apart is not -2: the network saw two clear digits."""
    probabilities = peaked("12")
    assert decode(probabilities, breaks=[True]).tokens == tuple("-2")  # the only expression of two symbols
    with pytest.raises(ExpressionError) as caught:
        read(probabilities, breaks=[True])
    assert (caught.value.kind, caught.value.position) == ("numbers_apart", 1)
    assert str(caught.value) == (
        "symbol 2: 2 stands apart from the 1 before it; write them closer, or an operator between"
    )
