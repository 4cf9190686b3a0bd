"""From a written expression to its symbols: the cut the recogniser reads one piece of at a time.

AirCalc sees writing two ways. A photo or a scanned canvas is ink in pixels (`segment_image`);
a canvas or a fingertip in the air gives strokes, the pen's path between pen-down and pen-up
(`segment_strokes`). Both cut the writing into symbols the same way: pieces whose horizontal
extents overlap enough are one symbol (÷ is a bar and two dots, a + or × is often two strokes,
a digit's stroke may break), and a piece that is small against the writing is a speck (dust, a
stray tap of the pen) and is dropped. Each Symbol's ink is raw ink in [0, 1] on 0, which the
recogniser passes through `normalize_symbol`; `breaks` tells the parser where two neighbouring
symbols are too far apart to belong to one number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from redes.aircalc.normalize import INK_THRESHOLD

# Two pieces are one symbol when the narrower one's horizontal extent lies at least this much
# inside the other's: the dots of ÷ lie wholly above and below the bar, while neighbouring
# symbols of a slanted writing overlap by a sliver at most.
OVERLAP = 0.5
# A group whose larger side is below this fraction of the writing's typical group is a speck.
# A minus is as wide as half a digit is tall; a dot or dust is a tenth of it or less.
SPECK = 0.25
# Pen width of `render_strokes` as a fraction of the tallest symbol's height: MNIST's pen is
# about 2 px on its 20 px digits, so rendered strokes normalise to MNIST's thickness at any scale.
PEN = 0.1
MIN_PEN = 2.0  # px: thinner strokes break apart under the anti-aliased shrink of normalisation
MARGIN = 4  # px of blank canvas around rendered strokes, so no ink touches the edge
# A gap wider than this many symbol heights separates two numbers. People leave a fraction of a
# digit's height between the digits of one number (compose.py writes at most 0.2 of it) and
# more around operators; 0.6 keeps three times the widest within-number gap of compose.py.
BREAK_FACTOR = 0.6

Stroke = np.ndarray
"""(k, 2) float array of (x, y) points, one pen-down segment; a single point is a tap (a dot)."""

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value to compare by
class Symbol:
    """One written symbol: its ink box (x0, y0, x1, y1), x1 and y1 exclusive, and the ink inside it.

    `ink` has the box's shape and holds only this symbol's own ink; pixels of other symbols or
    of dropped specks that fall inside the box are 0.
    """

    box: tuple[int, int, int, int]
    ink: np.ndarray

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def segment_image(ink: np.ndarray) -> list[Symbol]:
    """The symbols of an ink image (ink in [0, 1], background 0, as `ink_from_image` gives), left to right.

    Pieces are 8-connected components of ink above `INK_THRESHOLD`, the level `normalize_symbol`
    crops at; boxes are in the image's pixels. An image without ink gives [].
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink image, got shape {ink.shape}")
    labels, count = ndimage.label(ink > INK_THRESHOLD, structure=_EIGHT_CONNECTED)
    if count == 0:
        return []
    pieces = [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in ndimage.find_objects(labels)]
    groups = _group([(x0, x1) for x0, _, x1, _ in pieces])
    boxes = [_union([pieces[i] for i in members]) for members in groups]
    keep = _not_specks([max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes])
    symbols = []
    for members, box, kept in zip(groups, boxes, keep, strict=True):
        if not kept:
            continue
        x0, y0, x1, y1 = box
        own = np.isin(labels[y0:y1, x0:x1], np.asarray(members) + 1)  # label k is piece k - 1
        symbols.append(Symbol(box, np.where(own, ink[y0:y1, x0:x1], np.float32(0.0))))
    return sorted(symbols, key=lambda symbol: symbol.box[0])


def render_strokes(
    strokes: Sequence[Stroke], *, stroke_width: float | None = None, margin: int = MARGIN
) -> tuple[np.ndarray, tuple[float, float]]:
    """Strokes drawn as a pen would, with round joins and caps: float32 ink (1 on 0) and its origin.

    Stroke coordinates are taken as pixels (scale normalised landmarks to the screen first).
    The canvas covers the strokes, the pen's radius and `margin` px around; the returned
    (x, y) is the stroke coordinate of canvas pixel (0, 0), so point (x, y) is drawn at
    pixel column x - offset_x, row y - offset_y. The default pen is `PEN` of the tallest
    symbol's height (at least `MIN_PEN` px), so a tiny and a huge writing normalise alike.
    """
    strokes = _as_strokes(strokes)
    if not strokes:
        return np.zeros((2 * margin, 2 * margin), dtype=np.float32), (-float(margin), -float(margin))
    width = _default_width(strokes) if stroke_width is None else float(stroke_width)
    shape, offset = _canvas(strokes, width, margin)
    return _draw(strokes, width, offset, shape), offset


def strokes_origin(
    strokes: Sequence[Stroke], *, stroke_width: float | None = None, margin: int = MARGIN
) -> tuple[float, float]:
    """The stroke coordinate of pixel (0, 0) of the canvas `render_strokes` draws, without drawing it.

    Adding it to a box of `segment_strokes` (same `stroke_width` and `margin`) puts the box in
    the strokes' own coordinates, such as the pixels of the canvas they were written on.
    """
    strokes = _as_strokes(strokes)
    if not strokes:
        return -float(margin), -float(margin)
    width = _default_width(strokes) if stroke_width is None else float(stroke_width)
    return _canvas(strokes, width, margin)[1]


def segment_strokes(
    strokes: Sequence[Stroke], *, stroke_width: float | None = None, margin: int = MARGIN
) -> list[Symbol]:
    """The symbols of a writing given as strokes, left to right, each rendered from its own strokes.

    Strokes (not pixels) are grouped and specks dropped by the rules of `segment_image`, a
    stroke's extent widened by the pen's radius. Boxes are pixels of the canvas
    `render_strokes(strokes, stroke_width=..., margin=...)` draws ALL the strokes on, so they
    compare with `segment_image` of that canvas; map them back to stroke coordinates by adding
    its offset.
    """
    strokes = _as_strokes(strokes)
    if not strokes:
        return []
    width = _default_width(strokes) if stroke_width is None else float(stroke_width)
    shape, offset = _canvas(strokes, width, margin)
    radius = width / 2
    extents = [
        (s[:, 0].min() - radius, s[:, 1].min() - radius, s[:, 0].max() + radius, s[:, 1].max() + radius)
        for s in strokes
    ]
    groups = _group([(x0, x1) for x0, _, x1, _ in extents])
    boxes = [_union([extents[i] for i in members]) for members in groups]
    keep = _not_specks([max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes])
    symbols = []
    for members, kept in zip(groups, keep, strict=True):
        if not kept:
            continue
        # Drawn alone on the full canvas: its box is where segment_image finds it, its ink only its own.
        ink = _draw([strokes[i] for i in members], width, offset, shape)
        rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
        cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
        x0, y0, x1, y1 = int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
        symbols.append(Symbol((x0, y0, x1, y1), ink[y0:y1, x0:x1]))
    return sorted(symbols, key=lambda symbol: symbol.box[0])


def breaks(symbols: Sequence[Symbol], factor: float = BREAK_FACTOR) -> list[bool]:
    """For each pair of neighbours (symbols left to right): is the gap too wide for one number?

    True where the blank columns between them exceed `factor` times the median height of the
    tall symbols (height at least half the tallest's), so that a minus or a dot does not set
    the scale. Within a number compose.py leaves at most 0.2 of a digit's height, well below
    the default.
    """
    if len(symbols) < 2:
        return []
    heights = np.array([symbol.height for symbol in symbols], dtype=float)
    limit = factor * float(np.median(heights[heights >= heights.max() / 2]))
    return [right.box[0] - left.box[2] > limit for left, right in pairwise(symbols)]


def _group(extents: Sequence[tuple[float, float]]) -> list[list[int]]:
    """Indices of pieces merged by horizontal overlap, one list per group, groups ordered by left edge.

    Merged groups take the union of their extents and are compared again until nothing merges,
    so a bar's two dots join it even when they only overlap each other's group.
    """
    groups = [[index] for index in range(len(extents))]
    spans = [(float(x0), float(x1)) for x0, x1 in extents]
    merged = True
    while merged:
        merged = False
        order = sorted(range(len(groups)), key=lambda index: spans[index][0])
        groups, spans = [groups[index] for index in order], [spans[index] for index in order]
        i = 0
        while i < len(groups):
            j = i + 1
            # Sorted by left edge: once a group starts right of group i's end, none later overlaps it.
            while j < len(groups) and spans[j][0] <= spans[i][1]:
                if _overlap_enough(spans[i], spans[j]):
                    groups[i] += groups.pop(j)
                    spans[i] = (spans[i][0], max(spans[i][1], spans.pop(j)[1]))
                    merged = True
                else:
                    j += 1
            i += 1
    return groups


def _overlap_enough(a: tuple[float, float], b: tuple[float, float]) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap >= 0 and overlap >= OVERLAP * min(a[1] - a[0], b[1] - b[0])


def _not_specks(sizes: Sequence[float]) -> list[bool]:
    """Which groups (by larger side) are symbols: not small against the typical group.

    Typical is the upper quartile rather than the median: the median becomes a grain of dust
    as soon as grains outnumber symbols (a photo), the upper quartile only when they are three
    in four groups, and one oversized stroke in four groups still does not set it.
    """
    sizes = np.asarray(sizes, dtype=float)
    if sizes.size == 0:
        return []
    return list(sizes >= SPECK * float(np.percentile(sizes, 75, method="nearest")))


def _union(boxes: Sequence[tuple]) -> tuple:
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return min(x0s), min(y0s), max(x1s), max(y1s)


def _as_strokes(strokes: Sequence[Stroke]) -> list[np.ndarray]:
    arrays = []
    for stroke in strokes:
        points = np.asarray(stroke, dtype=float)
        if points.size == 0:  # a pen-down that reported no point wrote nothing
            continue
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"a stroke is a (k, 2) array of (x, y) points, got shape {points.shape}")
        arrays.append(points)
    return arrays


def _default_width(strokes: Sequence[np.ndarray]) -> float:
    """`PEN` of the tallest symbol's height, symbols being the strokes grouped without a pen."""
    groups = _group([(s[:, 0].min(), s[:, 0].max()) for s in strokes])
    tallest = max(np.ptp(np.concatenate([strokes[i][:, 1] for i in members])) for members in groups)
    return max(MIN_PEN, PEN * float(tallest))


def _canvas(strokes: Sequence[np.ndarray], width: float, margin: int) -> tuple[tuple[int, int], tuple[float, float]]:
    """(rows, columns) of a canvas holding the strokes with pen and margin, and its origin in stroke coordinates."""
    points = np.concatenate(strokes)
    reach = width / 2 + margin
    left, top = math.floor(points[:, 0].min() - reach), math.floor(points[:, 1].min() - reach)
    right, bottom = math.ceil(points[:, 0].max() + reach), math.ceil(points[:, 1].max() + reach)
    return (bottom - top + 1, right - left + 1), (float(left), float(top))


def _draw(
    strokes: Sequence[np.ndarray], width: float, offset: tuple[float, float], shape: tuple[int, int]
) -> np.ndarray:
    image = Image.new("F", (shape[1], shape[0]), 0.0)
    draw = ImageDraw.Draw(image)
    radius = width / 2
    for stroke in strokes:
        points = [(float(x) - offset[0], float(y) - offset[1]) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=1.0, width=max(1, round(width)), joint="curve")
        # A disc at every point rounds the caps and the sharp turns, and makes a tap a dot.
        for x, y in points:
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=1.0)
    return np.asarray(image, dtype=np.float32).copy()
