"""From the recogniser's probabilities to the tokens AirCalc evaluates: the most probable reading that is an expression.

Reading each symbol on its own (argmax) can give "2×+3" when the + was a - the network was
less sure of. `decode` instead finds, by Viterbi over the grammar's automaton (`expression.step`),
the token sequence with the highest total log-probability among those that are expressions.
Gaps between symbols add one rule: across a wide gap, a digit cannot follow a digit, since
two numbers side by side are not an expression. `read` decodes and refuses readings it is unsure
of, so the calculator asks for a symbol again rather than computing with a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from redes.aircalc.expression import ExpressionError, State, step, syntax_error
from redes.aircalc.symbols import DIGITS, N_CLASSES, TOKENS

PROBABILITY_FLOOR = 1e-12
"""Probabilities are clipped to this before the log, so a class the network ruled out costs a lot, not -inf."""

N_ALTERNATIVES = 3


@dataclass(frozen=True)
class Reading:
    """A decoded expression, with how sure the network was of each symbol."""

    tokens: tuple[str, ...]
    confidences: tuple[float, ...]  # the probability the network gave each chosen token
    alternatives: tuple[tuple[tuple[str, float], ...], ...]  # per symbol, its top tokens with their probabilities
    log_probability: float  # of the whole reading, with each probability floored at PROBABILITY_FLOOR


def decode(probabilities: np.ndarray, breaks: Sequence[bool] | None = None) -> Reading:
    """The most probable valid expression given an (n, 14) matrix of class probabilities.

    `breaks[i]` says there is a wide gap between symbols i and i+1; a digit may not follow a digit
    across it. Raises ExpressionError "empty" when n is 0.
    """
    probabilities, breaks = _checked(probabilities, breaks)
    n = len(probabilities)
    if n == 0:
        raise ExpressionError("empty", None, "nothing written")
    log_p = np.log(np.maximum(probabilities, PROBABILITY_FLOOR))

    # Viterbi: best[state] is the highest log-probability of a prefix ending in that state;
    # back[i][state] remembers the previous state and the class chosen at symbol i to get there.
    best: dict[State, float] = {State.START: 0.0}
    back: list[dict[State, tuple[State, int]]] = []
    for i in range(n):
        # Across a wide gap the previous digit ends its number, so a digit here would start a second one.
        gap = i > 0 and breaks[i - 1]
        new_best: dict[State, float] = {}
        pointers: dict[State, tuple[State, int]] = {}
        for state, score in best.items():
            for index, token in enumerate(TOKENS):
                following = step(state, token)
                if following is None or (gap and state is State.IN_NUMBER and token in DIGITS):
                    continue
                candidate = score + float(log_p[i, index])
                if following not in new_best or candidate > new_best[following]:
                    new_best[following] = candidate
                    pointers[following] = (state, index)
        best = new_best
        back.append(pointers)

    # Only a reading that ends in a number is an expression. One always exists for n >= 1, whatever
    # the gaps: digits and operators alternating ("1+1"), opened by a unary minus when n is even ("-1+1").
    state = State.IN_NUMBER
    assert state in best, "every n >= 1 has a valid reading"
    log_probability = best[state]
    indices: list[int] = []
    for pointers in reversed(back):
        state, index = pointers[state]
        indices.append(index)
    indices.reverse()

    return Reading(
        tokens=tuple(TOKENS[index] for index in indices),
        confidences=tuple(float(probabilities[i, index]) for i, index in enumerate(indices)),
        alternatives=tuple(_top(row) for row in probabilities),
        log_probability=log_probability,
    )


def read(probabilities: np.ndarray, breaks: Sequence[bool] | None = None, min_confidence: float = 0.5) -> Reading:
    """`decode`, refusing a reading with a symbol the network gave less than `min_confidence`.

    When some symbol is that uncertain and the symbol-by-symbol (argmax) reading is not an
    expression, its syntax error is raised: "two operators in a row" tells a person more than
    a percentage. Otherwise the error is "low_confidence" at the first uncertain symbol.
    """
    reading = decode(probabilities, breaks)
    uncertain = [i for i, confidence in enumerate(reading.confidences) if confidence < min_confidence]
    if not uncertain:
        return reading
    greedy = [TOKENS[index] for index in np.argmax(np.asarray(probabilities, dtype=float), axis=1)]
    error = syntax_error(greedy)
    if error is not None:
        raise error
    position = uncertain[0]
    token, confidence = reading.tokens[position], reading.confidences[position]
    other, other_p = next((t, p) for t, p in reading.alternatives[position] if t != token)
    raise ExpressionError(
        "low_confidence",
        position,
        f"read as {token} with only {_percent(confidence)} % confidence "
        f"(next best {other}, {_percent(other_p)} %); write it again",
    )


def _checked(probabilities: np.ndarray, breaks: Sequence[bool] | None) -> tuple[np.ndarray, list[bool]]:
    """The probabilities as a float (n, 14) array and the breaks as n-1 booleans (none given: no gaps)."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim != 2 or probabilities.shape[1] != N_CLASSES:
        raise ValueError(f"probabilities have shape {probabilities.shape}; expected (n symbols, {N_CLASSES} classes)")
    n = len(probabilities)
    breaks = [False] * max(n - 1, 0) if breaks is None else [bool(gap) for gap in breaks]
    if len(breaks) != max(n - 1, 0):
        raise ValueError(f"{len(breaks)} breaks for {n} symbols; expected one between each pair ({max(n - 1, 0)})")
    return probabilities, breaks


def _top(row: np.ndarray) -> tuple[tuple[str, float], ...]:
    """The N_ALTERNATIVES most probable tokens of one symbol, most probable first."""
    order = np.argsort(-row, kind="stable")[:N_ALTERNATIVES]
    return tuple((TOKENS[index], float(row[index])) for index in order)


def _percent(probability: float) -> int:
    """A probability as a whole percentage, rounded down so 49.7 % never shows as the 50 % it fell short of."""
    return int(probability * 100 + 1e-9)
