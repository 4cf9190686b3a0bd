"""The 14 symbols the recogniser tells apart, and how each is printed.

A class index is what the network outputs; a token is what the expression grammar reads.
Digits are their own characters; the four operators print as the signs a person writes.
The recogniser has one class per operator, whatever its written form: ÷ is the obelus
and the slash alike, × the cross (and the dot, where the data keeps it).
"""

from __future__ import annotations

DIGITS = tuple("0123456789")
PLUS, MINUS, TIMES, DIVIDE = "+", "-", "×", "÷"
OPERATORS = (PLUS, MINUS, TIMES, DIVIDE)
TOKENS = (*DIGITS, *OPERATORS)
"""Class index -> token: 0-9 are the digits, 10 plus, 11 minus, 12 times, 13 divide."""

CLASS_INDEX = {token: index for index, token in enumerate(TOKENS)}
N_CLASSES = len(TOKENS)

# What a person may type for each operator (the CLI and tests accept these too).
ALIASES = {"*": TIMES, "x": TIMES, "·": TIMES, "/": DIVIDE, ":": DIVIDE, "−": MINUS}
