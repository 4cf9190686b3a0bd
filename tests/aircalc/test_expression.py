"""AirCalc's grammar and evaluator: every error kind at its symbol, precedence, exact decimals, round trips."""

from __future__ import annotations

import json
import re
from decimal import localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redes.aircalc.expression import (
    ExpressionError,
    describe_value,
    evaluate,
    parse_text,
    syntax_error,
    tokens_to_text,
)
from redes.aircalc.symbols import ALIASES, DIGITS, DIVIDE, MINUS, OPERATORS, PLUS, TIMES, TOKENS
from redes.errors import RedesError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8÷4÷2", Fraction(1)),  # left-associative: (8÷4)÷2, not 8÷(4÷2)
        ("2+3×4", Fraction(14)),  # × before +
        ("2-3-4", Fraction(-5)),  # (2-3)-4
        ("2×-3", Fraction(-6)),
        ("-2×-3", Fraction(6)),
        ("1÷3+1÷6", Fraction(1, 2)),  # exact: no 0.49999…
        ("1÷3×3", Fraction(1)),
        ("2-3×4", Fraction(-10)),
        ("2--3", Fraction(5)),
        ("-3", Fraction(-3)),
        ("007", Fraction(7)),  # leading zeros are just digits
        ("0÷5", Fraction(0)),
        ("12×-3+4÷5", Fraction(-176, 5)),
        ("2×3÷4×5", Fraction(15, 2)),
        ("10-2÷4-1", Fraction(17, 2)),
    ],
)
def test_precedence_associativity_and_unary_minus(text: str, value: Fraction) -> None:
    tokens = parse_text(text)
    assert syntax_error(tokens) is None
    assert evaluate(tokens) == value


@pytest.mark.parametrize(
    ("text", "kind", "position", "message"),
    [
        ("", "empty", None, "nothing written"),
        ("   ", "empty", None, "nothing written"),
        ("×3", "leading_operator", 0, "symbol 1: an expression cannot start with ×"),
        ("+3", "leading_operator", 0, "symbol 1: an expression cannot start with +"),
        ("12×+3", "operator_sequence", 3, "symbol 4: two operators in a row (× then +)"),
        ("--3", "operator_sequence", 1, "symbol 2: two operators in a row (- then -)"),
        ("-×3", "operator_sequence", 1, "symbol 2: two operators in a row (- then ×)"),
        ("2---3", "operator_sequence", 3, "symbol 4: three operators in a row (- then - then -)"),
        ("12+3-", "trailing_operator", 4, "symbol 5: the expression ends with an operator"),
        ("-", "trailing_operator", 0, "symbol 1: the expression ends with an operator"),
        ("2×-", "trailing_operator", 2, "symbol 3: the expression ends with an operator"),
        ("×3+", "leading_operator", 0, "symbol 1: an expression cannot start with ×"),  # the first problem wins
        ("1+3÷0", "division_by_zero", 3, "symbol 4: division by zero"),
        ("5÷-00", "division_by_zero", 1, "symbol 2: division by zero"),
        ("0÷0", "division_by_zero", 1, "symbol 2: division by zero"),
        ("1÷0+2÷0", "division_by_zero", 1, "symbol 2: division by zero"),  # the first division by zero
    ],
)
def test_every_error_names_its_symbol(text: str, kind: str, position: int | None, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(parse_text(text))
    assert (caught.value.kind, caught.value.position, str(caught.value)) == (kind, position, message)
    if kind != "division_by_zero":  # the grammar already knows; a zero divisor is a matter of arithmetic
        error = syntax_error(parse_text(text))
        assert error is not None
        assert (error.kind, error.position, str(error)) == (kind, position, message)


def test_an_expression_error_is_a_redes_error_and_a_value_error() -> None:
    error = syntax_error([])
    assert isinstance(error, RedesError)
    assert isinstance(error, ValueError)
    with pytest.raises(ValueError, match="unknown expression error kind"):
        ExpressionError("typo", 0, "message")


@pytest.mark.parametrize(
    ("text", "position", "character"),
    [("5÷(2)", 2, "("), ("1 + a", 2, "a"), ("=", 0, "="), ("3.5", 1, ".")],
)
def test_parse_text_rejects_unknown_characters_counting_symbols_not_spaces(
    text: str, position: int, character: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_text(text)
    assert caught.value.kind == "unknown_character"
    assert caught.value.position == position
    assert str(caught.value) == f"symbol {position + 1}: {character!r} is not a digit or one of + - × ÷"


def test_syntax_error_reports_a_token_outside_the_fourteen() -> None:
    error = syntax_error(["1", "=", "2"])
    assert error is not None
    assert (error.kind, error.position) == ("unknown_character", 1)


def test_parse_text_accepts_aliases_and_spaces() -> None:
    expected = [*"12", TIMES, "3", TIMES, "4", TIMES, "5", DIVIDE, "6", DIVIDE, "7", MINUS, "8"]
    assert parse_text(" 12 * 3 x 4·5 / 6 : 7 − 8 ") == expected
    assert parse_text("1\t+\n2 - -3") == ["1", PLUS, "2", MINUS, MINUS, "3"]
    assert evaluate(parse_text("6 / 4 * 2 − 1")) == 2


def test_tokens_to_text_joins_the_tokens() -> None:
    assert tokens_to_text(["1", "2", TIMES, MINUS, "3", PLUS, "4", DIVIDE, "5"]) == "12×-3+4÷5"


@pytest.mark.parametrize(
    ("value", "integer", "fraction_text", "decimal", "exact"),
    [
        (Fraction(3, 8), None, "3/8", "0.375", True),
        (Fraction(-5, 2), None, "-5/2", "-2.5", True),
        (Fraction(1, 3), None, "1/3", "0.333333333333…", False),
        (Fraction(2, 3), None, "2/3", "0.666666666667…", False),  # rounded, not cut
        (Fraction(-2, 3), None, "-2/3", "-0.666666666667…", False),
        (Fraction(22, 7), None, "22/7", "3.14285714286…", False),
        (Fraction(1, 1024), None, "1/1024", "0.0009765625", True),
        (Fraction(6), 6, "6", "6", True),
        (Fraction(-40), -40, "-40", "-40", True),
        (Fraction(0), 0, "0", "0", True),
        (Fraction(10**20), 10**20, str(10**20), str(10**20), True),
        # Beyond 12 digits fixed notation would show zeros that are not digits of the value.
        (Fraction(10**15, 7), None, f"{10**15}/7", "1.42857142857…e+14", False),
        (Fraction(1, 3 * 10**8), None, f"1/{3 * 10**8}", "3.33333333333…e-9", False),
    ],
)
def test_describe_value(value: Fraction, integer: int | None, fraction_text: str, decimal: str, exact: bool) -> None:
    described = describe_value(value)
    assert described.fraction == value
    assert (described.integer, described.fraction_text, described.decimal, described.exact_decimal) == (
        integer,
        fraction_text,
        decimal,
        exact,
    )
    as_json = json.loads(json.dumps(described.to_dict(), ensure_ascii=False))
    assert as_json == {
        "numerator": value.numerator,
        "denominator": value.denominator,
        "integer": integer,
        "fraction": fraction_text,
        "decimal": decimal,
        "exact_decimal": exact,
    }


def test_describe_value_leaves_the_callers_decimal_context_alone() -> None:
    with localcontext() as context:
        context.prec = 3
        assert describe_value(Fraction(1, 7)).decimal == "0.142857142857…"
        assert context.prec == 3


@given(
    numerator=st.integers(-(10**15), 10**15),
    denominator=st.sampled_from([1, 2, 3, 6, 7, 8, 12, 25, 40, 81, 125, 625, 999, 1024, 10**6 + 3]),
)
def test_decimal_is_exact_or_correct_to_twelve_digits(numerator: int, denominator: int) -> None:
    value = Fraction(numerator, denominator)
    described = describe_value(value)
    reduced = value.denominator
    for factor in (2, 5):
        while reduced % factor == 0:
            reduced //= factor
    assert described.exact_decimal == (reduced == 1)
    if described.exact_decimal:
        assert Fraction(described.decimal) == value
    else:
        approximation = Fraction(described.decimal.replace("…", ""))
        # 12 significant digits, rounded: off by at most half a unit in the 12th digit.
        assert abs(approximation - value) <= abs(value) * Fraction(5, 10**12)


# A drawn expression: its terms (negated?, digits) and the binary operators between them.
Term = tuple[bool, str]
terms = st.tuples(st.booleans(), st.text(alphabet=DIGITS, min_size=1, max_size=3))


@st.composite
def expressions(draw: st.DrawFn) -> tuple[list[Term], list[str]]:
    drawn = draw(st.lists(terms, min_size=1, max_size=6))
    operators = draw(st.lists(st.sampled_from(OPERATORS), min_size=len(drawn) - 1, max_size=len(drawn) - 1))
    return drawn, operators


def to_tokens(drawn: list[Term], operators: list[str]) -> tuple[list[str], list[int]]:
    """The tokens of a drawn expression, and the position of each binary operator among them."""
    tokens: list[str] = []
    positions: list[int] = []
    for index, (negated, digits) in enumerate(drawn):
        if index > 0:
            positions.append(len(tokens))
            tokens.append(operators[index - 1])
        tokens.extend([MINUS] * negated + list(digits))
    return tokens, positions


def reference_value(drawn: list[Term], operators: list[str]) -> Fraction:
    """The value by the schoolbook rule, independent of `evaluate`: split at + and -, fold each product, add."""
    values = [Fraction(-int(digits) if negated else int(digits)) for negated, digits in drawn]
    products = [[values[0]]]  # each product: its first factor, then (operator, factor) pairs
    signs = [1]
    for operator, value in zip(operators, values[1:], strict=True):
        if operator in (PLUS, MINUS):
            signs.append(1 if operator == PLUS else -1)
            products.append([value])
        else:
            products[-1].append((operator, value))
    total = Fraction(0)
    for sign, (first, *factors) in zip(signs, products, strict=True):
        product = first
        for operator, value in factors:
            product = product * value if operator == TIMES else product / value
        total += sign * product
    return total


@given(expressions())
def test_valid_expressions_round_trip_through_text_and_evaluate_exactly(
    expression: tuple[list[Term], list[str]],
) -> None:
    drawn, operators = expression
    tokens, positions = to_tokens(drawn, operators)
    assert syntax_error(tokens) is None
    parsed = parse_text(tokens_to_text(tokens))
    assert parsed == tokens
    zero_divisions = [
        position
        for position, operator, (_, digits) in zip(positions, operators, drawn[1:], strict=True)
        if operator == DIVIDE and int(digits) == 0
    ]
    if zero_divisions:
        with pytest.raises(ExpressionError) as caught:
            evaluate(parsed)
        assert (caught.value.kind, caught.value.position) == ("division_by_zero", zero_divisions[0])
    else:
        assert evaluate(parsed) == reference_value(drawn, operators)


SPELLINGS = {token: [token] for token in TOKENS}
for alias, token in ALIASES.items():
    SPELLINGS[token].append(alias)


@given(expressions(), st.data())
def test_aliases_and_spaces_parse_to_the_same_tokens(
    expression: tuple[list[Term], list[str]], data: st.DataObject
) -> None:
    tokens, _ = to_tokens(*expression)
    spaces = st.text(alphabet=" \t", max_size=2)
    text = "".join(data.draw(spaces) + data.draw(st.sampled_from(SPELLINGS[token])) for token in tokens)
    assert parse_text(text + data.draw(spaces)) == tokens


GRAMMAR = re.compile(r"-?[0-9]+([-+×÷]-?[0-9]+)*")


@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_syntax_error_agrees_with_the_grammar_as_a_regular_expression(tokens: list[str]) -> None:
    assert (syntax_error(tokens) is None) == bool(GRAMMAR.fullmatch("".join(tokens)))
