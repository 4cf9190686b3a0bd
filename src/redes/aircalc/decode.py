"""From the recogniser's probabilities to the tokens AirCalc evaluates: the most probable reading that is an expression.

Reading each symbol on its own (argmax) can give "2×+3" when the + was a - the network was
less sure of. `decode` instead finds, by Viterbi over the grammar's automaton (`expression.step`),
the token sequence with the highest total log-probability among those that are expressions.
Gaps between symbols add one rule: across a wide gap, a digit cannot follow a digit, since
two numbers side by side are not an expression. `read` decodes and refuses readings it is unsure
of, so the calculator asks for a symbol again rather than computing with a guess.

How sure is judged in context: a symbol's confidence is the probability, over all readings the
grammar and the gaps allow (weighted by the network's probabilities), that it is the token
chosen (forward-backward over the same automaton). A slash the network took for a "1" at 90 %
but which stands between two numbers set apart can only be an operator, and among the
operators the network's 9 % on ÷ dominates: the reading 2÷3 is then sure, not refused.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from redes.aircalc.expression import ExpressionError, State, step, syntax_error
from redes.aircalc.symbols import CLASS_INDEX, DIGITS, DIVIDE, N_CLASSES, OPERATORS, TOKENS

PROBABILITY_FLOOR = 1e-12
RULED_OUT = 0.01
"""A token the network gave less than this is not read into a symbol just because the context demands it..."""
SAME_SHAPE = {("1", DIVIDE), (DIVIDE, "1")}
"""...unless the two share a shape: a slash is a 1 written at a slant, and the network cannot tell them apart alone."""
"""Probabilities are clipped to this before the log, so a class the network ruled out costs a lot, not -inf."""

N_ALTERNATIVES = 3


@dataclass(frozen=True)
class Reading:
    """A decoded expression, with how sure the network was of each symbol."""

    tokens: tuple[str, ...]
    confidences: tuple[float, ...]  # each chosen token's probability in context (see the module docstring)
    alternatives: tuple[
        tuple[tuple[str, float], ...], ...
    ]  # per symbol, the network's top tokens with their probabilities
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
            for index, following in _moves(state, gap):
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

    in_context = _posteriors(log_p, breaks)
    return Reading(
        tokens=tuple(TOKENS[index] for index in indices),
        confidences=tuple(float(in_context[i, index]) for i, index in enumerate(indices)),
        alternatives=tuple(_top(row) for row in probabilities),
        log_probability=log_probability,
    )


def read(probabilities: np.ndarray, breaks: Sequence[bool] | None = None, min_confidence: float = 0.5) -> Reading:
    """`decode`, refusing a reading it is not sure of.

    Two refusals. If the symbol-by-symbol (argmax) reading is not an expression and the decoder
    mended it by putting one operator for another that the network gave less than
    `min_confidence`, the person may really have written "2×+3": its syntax error is raised
    ("two operators in a row" tells them more than a percentage), not a silent 2×-3. (A "1"
    the network took for a slash is mended without doubt: the two share a shape, + and - do
    not.) A token the network all but ruled out (below `RULED_OUT`) that only the context put
    there is refused too. Otherwise a symbol whose confidence in context is below
    `min_confidence` is refused as "low_confidence".
    """
    reading = decode(probabilities, breaks)
    probabilities = np.asarray(probabilities, dtype=float)
    greedy = [TOKENS[index] for index in np.argmax(probabilities, axis=1)]
    error = syntax_error(greedy)
    if error is not None:
        mended_unsure = any(
            chosen != argmax
            and chosen in OPERATORS
            and argmax in OPERATORS
            and probabilities[i, CLASS_INDEX[chosen]] < min_confidence
            for i, (chosen, argmax) in enumerate(zip(reading.tokens, greedy, strict=True))
        )
        if mended_unsure:
            raise error
    # Context can make a ruled-out token the only valid one: "1  2" written far apart can only be
    # read "-2". Computing that would be a silent wrong answer; say what the writing looks like.
    gaps = _checked(probabilities, breaks)[1]
    for i, (chosen, argmax) in enumerate(zip(reading.tokens, greedy, strict=True)):
        ruled_out = probabilities[i, CLASS_INDEX[chosen]] < RULED_OUT
        if chosen != argmax and ruled_out and (argmax, chosen) not in SAME_SHAPE:
            # Digits read on both sides of a gap next to the mended symbol: two numbers side by side.
            apart = [j for j in (i, i + 1) if 0 < j < len(greedy) and gaps[j - 1] and greedy[j - 1] in DIGITS]
            apart = [j for j in apart if greedy[j] in DIGITS]
            if apart:
                j = apart[0]
                raise ExpressionError(
                    "numbers_apart",
                    j,
                    f"{greedy[j]} stands apart from the {greedy[j - 1]} before it; "
                    "write them closer, or an operator between",
                )
            raise ExpressionError("low_confidence", i, f"reads as {argmax}, which cannot stand there; write it again")
    uncertain = [i for i, confidence in enumerate(reading.confidences) if confidence < min_confidence]
    if not uncertain:
        return reading
    position = uncertain[0]
    token, confidence = reading.tokens[position], reading.confidences[position]
    in_context = posteriors(probabilities, breaks)[position]
    other_index = max((i for i in range(N_CLASSES) if TOKENS[i] != token), key=lambda i: in_context[i])
    other, other_p = TOKENS[other_index], in_context[other_index]
    raise ExpressionError(
        "low_confidence",
        position,
        f"read as {token} with only {_percent(confidence)} % confidence "
        f"(next best {other}, {_percent(other_p)} %); write it again",
    )


def posteriors(probabilities: np.ndarray, breaks: Sequence[bool] | None = None) -> np.ndarray:
    """(n, 14): for each symbol and token, the probability that the symbol is that token, in context.

    The sum of the network's probabilities of every valid reading (grammar and gaps) with that
    token there, over the sum for all valid readings: the marginals of the network's
    independent per-symbol guesses conditioned on the reading being an expression.
    """
    probabilities, breaks = _checked(probabilities, breaks)
    return _posteriors(np.log(np.maximum(probabilities, PROBABILITY_FLOOR)), breaks)


@functools.cache
def _moves(state: State, gap: bool) -> tuple[tuple[int, State], ...]:
    """(class index, next state) for each token the grammar allows after `state`; a gap ends a number."""
    moves = []
    for index, token in enumerate(TOKENS):
        following = step(state, token)
        if following is not None and not (gap and state is State.IN_NUMBER and token in DIGITS):
            moves.append((index, following))
    return tuple(moves)


def _posteriors(log_p: np.ndarray, breaks: Sequence[bool]) -> np.ndarray:
    """Forward-backward in log space over the automaton `decode` runs Viterbi on."""
    n = len(log_p)
    states = list(State)
    column = {state: k for k, state in enumerate(states)}
    forward = np.full((n + 1, len(states)), -np.inf)  # forward[i]: prefixes of i symbols, by the state they end in
    forward[0, column[State.START]] = 0.0
    backward = np.full((n + 1, len(states)), -np.inf)  # backward[i]: ways to finish from symbol i on, by state
    backward[n, column[State.IN_NUMBER]] = 0.0  # an expression ends in a number
    for i in range(n):
        gap = i > 0 and breaks[i - 1]
        for state in states:
            for index, following in _moves(state, gap):
                forward[i + 1, column[following]] = np.logaddexp(
                    forward[i + 1, column[following]], forward[i, column[state]] + log_p[i, index]
                )
    for i in reversed(range(n)):
        gap = i > 0 and breaks[i - 1]
        for state in states:
            for index, following in _moves(state, gap):
                backward[i, column[state]] = np.logaddexp(
                    backward[i, column[state]], log_p[i, index] + backward[i + 1, column[following]]
                )
    total = backward[0, column[State.START]]
    marginals = np.full(log_p.shape, -np.inf)
    for i in range(n):
        gap = i > 0 and breaks[i - 1]
        for state in states:
            for index, following in _moves(state, gap):
                marginals[i, index] = np.logaddexp(
                    marginals[i, index],
                    forward[i, column[state]] + log_p[i, index] + backward[i + 1, column[following]],
                )
    return np.exp(marginals - total)


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
