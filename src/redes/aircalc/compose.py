"""Whole expressions written from single symbols: what AirCalc's evaluation reads end to end.

The symbol sets hold one symbol per image; the calculator reads lines like "12×-3+40". The
evaluation writes its expressions (2,000 of them) from test-split symbols only, so no symbol
the recogniser trained on is read again. Each is written as a person writes: digits of one
size with some wobble, operators smaller and centred on the digits' mid-line, digits of a
number close together, operators spaced anything from tight to loose, one pen width per
expression. Symbols never touch or overlap horizontally, so `segment_image` recovers exactly
the written symbols and a reading error is the recogniser's or the parser's, not the cut's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from redes.aircalc.normalize import INK_THRESHOLD
from redes.aircalc.segment import segment_image
from redes.aircalc.symbols import DIGITS, DIVIDE, MINUS, OPERATORS

MAX_DIGITS = 3  # per number
UNARY_MINUS = 0.1  # chance of a minus sign before each number
DIGIT_HEIGHT = (24, 64)  # px, drawn once per expression: a small and a large hand
SIZE_JITTER = 0.1  # each symbol's size varies by up to this fraction
# A digit is as tall as the line unless that makes it wider than this many heights; then it is
# written smaller. MNIST's digits are at most about as wide as tall; a flat glyph stretched to
# the line's height would span the page.
MAX_DIGIT_WIDTH = 1.2
OPERATOR_SIZE = (0.5, 0.9)  # an operator's longer side in digit heights, drawn once per expression
BASELINE_JITTER = 0.08  # in digit heights
# The pen is thickened by grey dilation of 0 (as drawn) to this fraction of the digit height, in
# whole pixels: 0-1 px on a 24 px line, 0-3 px on a 64 px one. A fixed growth would bury the gaps
# of a small ÷ or × (two pixels close a 12 px obelus into a +), which a pen scaled to the hand does not.
PEN_GROWTH = 0.05
# Gaps in digit heights. Within a number they stay well below segment.BREAK_FACTOR (0.6) of
# the height; around an operator they range from cramped to generous.
NUMBER_GAP = (0.02, 0.2)
OPERATOR_GAP = (0.05, 1.0)
MARGIN = (4, 24)  # px of blank page around the writing


def random_tokens(rng: np.random.Generator, min_symbols: int = 3, max_symbols: int = 11) -> list[str]:
    """A valid expression of min..max symbols (each digit and each operator is one), length drawn uniformly.

    Numbers have 1-3 digits and no leading zero (0 itself is a number); binary operators are
    + - × ÷; a number is preceded by a unary minus with chance `UNARY_MINUS` (at the start or
    after an operator); ÷ is never followed by 0 or -0. From 3 symbols on there is at least one
    binary operator: a calculator test is about operators.
    """
    if not 1 <= min_symbols <= max_symbols:
        raise ValueError(f"need 1 <= min_symbols <= max_symbols, got {min_symbols}, {max_symbols}")
    length = int(rng.integers(min_symbols, max_symbols + 1))
    # k numbers take k - 1 operators and k..3k digits: 2k - 1 <= length <= 4k - 1.
    fewest = max(2 if length >= 3 else 1, -(-(length + 1) // (MAX_DIGITS + 1)))
    numbers = int(rng.integers(fewest, (length + 1) // 2 + 1))
    digits = length - (numbers - 1)
    negated = []
    for _ in range(numbers):
        # A minus takes a symbol from the digits, which must keep one per number.
        negated.append(bool(rng.random() < UNARY_MINUS) and digits - 1 >= numbers)
        digits -= negated[-1]
    widths = [1] * numbers
    for _ in range(digits - numbers):
        widths[rng.choice([i for i, width in enumerate(widths) if width < MAX_DIGITS])] += 1
    tokens: list[str] = []
    for index, (width, minus) in enumerate(zip(widths, negated, strict=True)):
        divisor = False
        if index:
            operator = str(rng.choice(OPERATORS))
            tokens.append(operator)
            divisor = operator == DIVIDE
        if minus:
            tokens.append(MINUS)
        # A leading digit is 1-9; a number of one digit may be 0 unless it divides.
        first = DIGITS[1:] if width > 1 or divisor else DIGITS
        tokens.append(str(rng.choice(first)))
        tokens.extend(str(rng.choice(DIGITS)) for _ in range(width - 1))
    return tokens


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value to compare by
class ComposedExpression:
    """A written expression: float32 ink (1 on 0), its tokens, each symbol's ink box (x0, y0, x1, y1) and its text."""

    image: np.ndarray
    tokens: tuple[str, ...]
    boxes: tuple[tuple[int, int, int, int], ...]  # x1 and y1 exclusive, as segment.Symbol
    text: str


def compose(
    tokens: Sequence[str], pools: Mapping[str, Sequence[np.ndarray]], rng: np.random.Generator
) -> ComposedExpression:
    """Writes `tokens` left to right from images drawn from `pools` (token -> 28x28 normalised ink images).

    Every image is cropped to its ink, scaled (digits to the expression's height, operators
    to a fraction of it), thickened, and placed with jittered baseline and random gaps. A
    symbol is its image's main piece as `segment_image` cuts it, so stray ink of the source
    image never becomes a symbol of its own; its box is that piece's box on the page.
    """
    if not tokens:
        raise ValueError("nothing to write: no tokens")
    missing = sorted({token for token in tokens if len(pools.get(token, ())) == 0})
    if missing:
        raise ValueError(f"no images to write {missing} with")
    height = float(rng.integers(DIGIT_HEIGHT[0], DIGIT_HEIGHT[1] + 1))
    operator_size = rng.uniform(*OPERATOR_SIZE)
    pen = int(rng.integers(0, round(PEN_GROWTH * height) + 1))
    baseline = height  # digits stand on it; operators centre on height / 2 above it
    pieces, lefts, tops = [], [], []
    x = 0
    for index, token in enumerate(tokens):
        pool = pools[token]
        source = np.asarray(pool[int(rng.integers(len(pool)))], dtype=np.float32).squeeze()
        size = height * rng.uniform(1 - SIZE_JITTER, 1 + SIZE_JITTER)
        is_digit = token in DIGITS
        piece = _written(source, size if is_digit else size * operator_size, by_height=is_digit, pen=pen)
        shift = rng.uniform(-BASELINE_JITTER, BASELINE_JITTER) * height
        if is_digit:
            top = baseline + shift - piece.shape[0]
        else:
            top = baseline - height / 2 + shift - piece.shape[0] / 2
        if index:
            both_digits = is_digit and tokens[index - 1] in DIGITS  # digits in a row are one number
            x += max(1, round(rng.uniform(*(NUMBER_GAP if both_digits else OPERATOR_GAP)) * height))
        pieces.append(piece)
        lefts.append(x)
        tops.append(round(top))
        x += piece.shape[1]
    margin = int(rng.integers(MARGIN[0], MARGIN[1] + 1))
    first_row = min(tops)
    rows = max(top + piece.shape[0] for top, piece in zip(tops, pieces, strict=True)) - first_row
    image = np.zeros((rows + 2 * margin, x + 2 * margin), dtype=np.float32)
    boxes = []
    for piece, left, top in zip(pieces, lefts, tops, strict=True):
        x0, y0 = left + margin, top - first_row + margin
        x1, y1 = x0 + piece.shape[1], y0 + piece.shape[0]
        image[y0:y1, x0:x1] = piece
        boxes.append((x0, y0, x1, y1))
    return ComposedExpression(image, tuple(tokens), tuple(boxes), "".join(tokens))


def _written(source: np.ndarray, size: float, *, by_height: bool, pen: int) -> np.ndarray:
    """One symbol as it lands on the page: ink cropped to its main piece, `size` px tall or along its longer side.

    `by_height` is a digit's sizing: `size` tall, unless that makes it wider than `MAX_DIGIT_WIDTH` sizes.
    """
    mask = source > INK_THRESHOLD
    if not mask.any():
        raise ValueError("a pool image holds no ink")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = np.clip(source[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 0.0, 1.0)
    height, width = crop.shape
    scale = size / (max(height, width / MAX_DIGIT_WIDTH) if by_height else max(height, width))
    shape = max(1, round(width * scale)), max(1, round(height * scale))
    # Bilinear has no negative lobes, so scaling leaves no ringing that could read as faint ink;
    # PIL widens the filter when shrinking, which anti-aliases.
    scaled = np.asarray(Image.fromarray(crop, mode="F").resize(shape, Image.Resampling.BILINEAR))
    if pen:
        scaled = ndimage.grey_dilation(np.pad(scaled, pen), size=(pen + 1, pen + 1))  # strokes `pen` px wider
    scaled = np.clip(scaled / scaled.max(), 0.0, 1.0)
    # Its main piece as the segmenter cuts it, below-threshold fringe and stray specks zeroed.
    main = max(segment_image(scaled), key=lambda symbol: float(symbol.ink.sum()))
    return main.ink
