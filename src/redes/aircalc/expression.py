"""AirCalc's grammar and exact arithmetic: is a row of symbols an expression, and what is it worth.

The recogniser hands over one token per written symbol (see `symbols`). This module decides
whether those tokens form an expression, says where they do not in words a person can act on,
and evaluates them exactly with `Fraction`, so 1÷3×3 is 1 and not 0.999…

    expression = term (binary_operator term)*
    term       = ["-"] digit+

A unary minus may open the expression or follow a binary operator ("-3", "2×-3", "2--3"),
never another minus ("--3"). × and ÷ bind tighter than + and -, and all four are left-associative.
The grammar is a four-state automaton (`State`, `step`); the decoder walks the same automaton,
so what it reads is exactly what `evaluate` accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import Enum
from fractions import Fraction
from typing import Any

from redes.aircalc.symbols import ALIASES, DIGITS, DIVIDE, MINUS, OPERATORS, PLUS, TIMES, TOKENS
from redes.errors import RedesError

SIGNIFICANT_DIGITS = 12
"""Digits shown of a decimal expansion that never ends (1/3); more than a person reads off a result."""

ERROR_KINDS = (
    "empty",
    "leading_operator",
    "operator_sequence",
    "trailing_operator",
    "division_by_zero",
    "low_confidence",
    "unknown_character",
    "numbers_apart",
)


class ExpressionError(RedesError, ValueError):
    """What is wrong with what was written: `kind` (one of ERROR_KINDS) and the 0-based `position`.

    `position` is the offending symbol's index, None only for "empty". The message counts
    symbols from 1, as a person does: "symbol 4: two operators in a row (× then +)".
    """

    def __init__(self, kind: str, position: int | None, message: str) -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown expression error kind {kind!r}; expected one of {ERROR_KINDS}")
        super().__init__(message if position is None else f"symbol {position + 1}: {message}")
        self.kind = kind
        self.position = position


class State(Enum):
    """Where the automaton stands after a prefix of the tokens."""

    START = "start"  # nothing read yet
    AFTER_BINARY = "after binary operator"  # a number must follow, or one unary minus first
    AFTER_UNARY = "after unary minus"  # a number must follow, nothing else
    IN_NUMBER = "in number"  # the only accepting state


def step(state: State, token: str) -> State | None:
    """The state after reading `token` in `state`, or None if the grammar forbids it there."""
    if token in DIGITS:
        return State.IN_NUMBER
    if token not in OPERATORS:
        return None
    if state is State.IN_NUMBER:
        return State.AFTER_BINARY
    # Before a number only a minus is allowed, and only one: it negates the number.
    if token == MINUS and state in (State.START, State.AFTER_BINARY):
        return State.AFTER_UNARY
    return None


def syntax_error(tokens: Sequence[str]) -> ExpressionError | None:
    """The first place where `tokens` stop being an expression, as an error to raise; None if they are one."""
    state = State.START
    for position, token in enumerate(tokens):
        following = step(state, token)
        if following is not None:
            state = following
        elif token not in TOKENS:
            return ExpressionError("unknown_character", position, f"{token!r} is not a digit or one of + - × ÷")
        elif state is State.START:
            return ExpressionError("leading_operator", position, f"an expression cannot start with {token}")
        else:
            # Name the whole run of operators: two (2×+3, --3) or, after a binary operator and a minus, three (2---3).
            start = position
            while start > 0 and tokens[start - 1] in OPERATORS:
                start -= 1
            run = tokens[start : position + 1]
            count = "two" if len(run) == 2 else "three"
            return ExpressionError("operator_sequence", position, f"{count} operators in a row ({' then '.join(run)})")
    if state is State.START:
        return ExpressionError("empty", None, "nothing written")
    if state is not State.IN_NUMBER:
        return ExpressionError("trailing_operator", len(tokens) - 1, "the expression ends with an operator")
    return None


def evaluate(tokens: Sequence[str]) -> Fraction:
    """The exact value of `tokens`; raises the ExpressionError of the first syntax problem or a division by zero."""
    error = syntax_error(tokens)
    if error is not None:
        raise error
    # The value is a sum of products: `total` holds the finished products, `product` the one being
    # built. A binary - starts a product whose sign is negative, so 2-3-4 is 2+(-3)+(-4), left to right.
    total = product = Fraction(0)
    operator, operator_position = PLUS, -1  # the operator before the current term; the first term is added
    negative = False
    digits = ""
    for position, token in enumerate([*tokens, PLUS]):  # a sentinel + closes the last term
        if token in DIGITS:
            digits += token
            continue
        if not digits:  # an operator where a term begins: only a unary minus gets past syntax_error
            negative = True
            continue
        term = Fraction(-int(digits) if negative else int(digits))
        if operator == TIMES:
            product *= term
        elif operator == DIVIDE:
            if term == 0:
                raise ExpressionError("division_by_zero", operator_position, "division by zero")
            product /= term
        else:
            total += product
            product = term if operator == PLUS else -term
        operator, operator_position = token, position
        negative, digits = False, ""
    return total + product


def tokens_to_text(tokens: Sequence[str]) -> str:
    """The tokens as one line of text, e.g. "12×-3+4÷5"; `parse_text` reads it back."""
    return "".join(tokens)


def parse_text(text: str) -> list[str]:
    """The tokens of a typed expression: digits, + - × ÷ and their ALIASES (* x · / : −); spaces are ignored.

    An unknown character raises "unknown_character"; its position counts the symbols of `text`,
    not its spaces, so it matches the symbol a person sees.
    """
    tokens: list[str] = []
    for position, character in enumerate(character for character in text if not character.isspace()):
        token = ALIASES.get(character, character)
        if token not in TOKENS:
            raise ExpressionError("unknown_character", position, f"{character!r} is not a digit or one of + - × ÷")
        tokens.append(token)
    return tokens


@dataclass(frozen=True)
class Value:
    """A result, ready to show: the exact fraction and a decimal that says whether it is exact."""

    fraction: Fraction
    integer: int | None  # the value when it is whole, else None
    fraction_text: str  # "p/q", or the integer as text
    decimal: str  # exact when the expansion ends, else SIGNIFICANT_DIGITS digits then "…"
    exact_decimal: bool

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values; numerator and denominator stay exact as integers."""
        return {
            "numerator": self.fraction.numerator,
            "denominator": self.fraction.denominator,
            "integer": self.integer,
            "fraction": self.fraction_text,
            "decimal": self.decimal,
            "exact_decimal": self.exact_decimal,
        }


def describe_value(value: Fraction) -> Value:
    """Every form of `value` a result screen needs: 3/8 -> "3/8" and "0.375"; 1/3 -> "1/3" and "0.333333333333…"."""
    value = Fraction(value)
    whole = value.denominator == 1
    decimal, exact = _decimal_text(value)
    return Value(
        fraction=value,
        integer=value.numerator if whole else None,
        fraction_text=str(value),  # Fraction prints "p/q", or just the integer when whole
        decimal=decimal,
        exact_decimal=exact,
    )


def _decimal_text(value: Fraction) -> tuple[str, bool]:
    """The decimal expansion of `value` and whether it is exact (it is iff the denominator is 2^a·5^b)."""
    twos, fives = _multiplicity(value.denominator, 2), _multiplicity(value.denominator, 5)
    if 2**twos * 5**fives == value.denominator:
        # value·10^places is an integer; written with the point moved back, it is the exact expansion.
        places = max(twos, fives)
        scaled = value.numerator * 10**places // value.denominator
        return format(Decimal(f"{scaled}E-{places}"), "f"), True
    # The expansion never ends: round it in a private context so the caller's decimal settings stay untouched.
    with localcontext() as context:
        context.prec = SIGNIFICANT_DIGITS
        context.rounding = ROUND_HALF_EVEN
        rounded = Decimal(value.numerator) / Decimal(value.denominator)
    if -6 <= rounded.adjusted() < SIGNIFICANT_DIGITS:
        return f"{format(rounded, 'f')}…", False
    # Very large or very small: fixed notation would pad with zeros that look like digits; "…" ends the mantissa.
    mantissa, exponent = format(rounded, "e").split("e")
    return f"{mantissa}…e{exponent}", False


def _multiplicity(number: int, factor: int) -> int:
    """How many times `factor` divides `number` (> 0)."""
    count = 0
    while number % factor == 0:
        number //= factor
        count += 1
    return count
