"""Cutting writing into symbols: pieces joined by horizontal overlap, specks dropped, strokes like pixels."""

from __future__ import annotations

import numpy as np
import pytest

from redes.aircalc.normalize import normalize_symbol
from redes.aircalc.segment import Symbol, breaks, render_strokes, segment_image, segment_strokes


def _page(rectangles: list[tuple[int, int, int, int]], shape: tuple[int, int] = (60, 200)) -> np.ndarray:
    """Ink with each (x0, y0, x1, y1) rectangle, x1 and y1 exclusive, filled with full ink."""
    ink = np.zeros(shape, dtype=np.float32)
    for x0, y0, x1, y1 in rectangles:
        ink[y0:y1, x0:x1] = 1.0
    return ink


def _boxes(symbols: list[Symbol]) -> list[tuple[int, int, int, int]]:
    return [symbol.box for symbol in symbols]


ONE = (10, 10, 14, 50)  # a digit 40 px tall
SEVEN = (150, 10, 156, 50)


def test_an_obelus_drawn_as_a_bar_and_two_dots_is_one_symbol() -> None:
    obelus = [(60, 28, 90, 32), (73, 16, 77, 20), (74, 40, 78, 44)]  # bar, dot above, dot below
    symbols = segment_image(_page([ONE, *obelus, SEVEN]))
    assert _boxes(symbols) == [ONE, (60, 16, 90, 44), SEVEN]


def test_a_plus_whose_strokes_do_not_touch_is_one_symbol() -> None:
    # The vertical stroke stops short of the bar above and below it: three pieces, one symbol.
    plus = [(60, 28, 90, 31), (74, 14, 77, 26), (74, 33, 77, 45)]
    symbols = segment_image(_page([ONE, *plus, SEVEN]))
    assert _boxes(symbols) == [ONE, (60, 14, 90, 45), SEVEN]
    assert symbols[1].ink.sum() == 30 * 3 + 2 * 3 * 12


def test_a_digit_whose_stroke_broke_is_one_digit() -> None:
    broken = [(60, 10, 66, 28), (62, 30, 68, 50)]  # a slanted 1 with a gap halfway down
    assert _boxes(segment_image(_page([ONE, *broken, SEVEN]))) == [ONE, (60, 10, 68, 50), SEVEN]


def test_dust_is_dropped_but_a_thin_minus_is_kept() -> None:
    minus = (60, 29, 84, 31)  # 24 wide, 2 thin
    dust = [(30, 5, 31, 6), (40, 52, 42, 54), (100, 30, 104, 34), (120, 2, 121, 4)]  # grains and a lone dot
    symbols = segment_image(_page([ONE, minus, SEVEN, *dust]))
    assert _boxes(symbols) == [ONE, minus, SEVEN]


def test_symbols_come_left_to_right_with_exact_boxes_and_their_own_ink() -> None:
    # Rows are labelled top first, so the highest symbol (the rightmost) would otherwise come first.
    rectangles = [(120, 2, 130, 40), (10, 20, 18, 58), (60, 10, 75, 50)]
    ink = _page(rectangles)
    ink[ink > 0] = np.linspace(0.2, 1.0, int((ink > 0).sum()), dtype=np.float32)  # ink of varying strength
    symbols = segment_image(ink)
    assert _boxes(symbols) == sorted(rectangles)
    for symbol in symbols:
        x0, y0, x1, y1 = symbol.box
        np.testing.assert_array_equal(symbol.ink, ink[y0:y1, x0:x1])
        assert (symbol.width, symbol.height) == (x1 - x0, y1 - y0)
        assert symbol.ink.dtype == np.float32


def test_ink_of_a_neighbour_that_falls_inside_the_box_is_left_out() -> None:
    # Two parallel slanted strokes: the right one's top lies inside the left one's box.
    ink = np.zeros((50, 60), dtype=np.float32)
    for row in range(40):
        column = row // 2
        ink[5 + row, 2 + column : 5 + column] = 1.0
        ink[5 + row, 20 + column : 23 + column] = 1.0
    left, right = segment_image(ink)
    assert left.box == (2, 5, 24, 45) and right.box == (20, 5, 42, 45)
    assert left.ink.sum() == right.ink.sum() == 40 * 3  # each holds its own stroke only


def test_a_page_without_ink_has_no_symbols() -> None:
    assert segment_image(np.zeros((30, 40))) == []
    assert segment_image(np.full((30, 40), 0.04)) == []  # paper texture below the ink threshold
    with pytest.raises(ValueError, match="2-D"):
        segment_image(np.zeros((3, 30, 40)))


def _stroke(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, dtype=float)


# "12+3÷4" as a canvas records it: the + and the 4 in two strokes each, the dots of ÷ as taps.
WRITING = [
    _stroke((10, 30), (20, 10), (20, 110)),
    _stroke((50, 30), (60, 12), (80, 10), (95, 25), (90, 50), (50, 110), (100, 110)),
    _stroke((120, 60), (170, 60)),
    _stroke((145, 35), (145, 85)),
    _stroke((190, 15), (230, 15), (210, 55), (235, 80), (215, 110), (190, 105)),
    _stroke((260, 60), (310, 60)),
    _stroke((285, 38)),
    _stroke((285, 82)),
    _stroke((370, 10), (340, 80), (385, 80)),
    _stroke((375, 40), (375, 110)),
]


def test_strokes_are_grouped_into_symbols_like_their_rendered_image() -> None:
    symbols = segment_strokes(WRITING)
    ink, _ = render_strokes(WRITING)
    from_pixels = segment_image(ink)
    assert len(symbols) == len(from_pixels) == 6  # 1 2 + 3 ÷ 4
    assert [s.box[0] for s in symbols] == sorted(s.box[0] for s in symbols)
    np.testing.assert_allclose(_boxes(symbols), _boxes(from_pixels), atol=2)
    for symbol in symbols:
        assert symbol.ink.shape == (symbol.height, symbol.width) and symbol.ink.max() == 1.0


def test_a_stray_tap_is_dropped_and_an_empty_writing_has_no_symbols() -> None:
    assert len(segment_strokes([*WRITING, _stroke((450, 60))])) == 6
    assert segment_strokes([]) == []
    assert segment_strokes([np.empty((0, 2))]) == []  # a pen-down that recorded nothing
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        segment_strokes([np.zeros((4, 3))])


def test_points_land_where_the_offset_says_and_a_tap_is_a_dot() -> None:
    ink, (left, top) = render_strokes([_stroke((105.5, 40.0)), _stroke((90, 10), (130, 70))], stroke_width=6)
    assert ink.dtype == np.float32 and set(np.unique(ink)) <= {0.0, 1.0}
    for x, y in [(105.5, 40.0), (90, 10), (130, 70), (110, 40)]:
        assert ink[round(y - top), round(x - left)] == 1.0
    # The margin stays blank, and the tap alone is a disc of the pen's width.
    assert not ink[:4].any() and not ink[-4:].any() and not ink[:, :4].any() and not ink[:, -4:].any()
    dot, _ = render_strokes([_stroke((5, 5))], stroke_width=6)
    rows, cols = np.nonzero(dot)
    assert 5 <= np.ptp(rows) + 1 <= 7 and 5 <= np.ptp(cols) + 1 <= 7


def test_a_tiny_and_a_huge_writing_normalise_alike() -> None:
    two = WRITING[1]
    normal = normalize_symbol(render_strokes([two])[0])
    tiny, huge = (normalize_symbol(render_strokes([two * scale])[0]) for scale in (0.25, 6.0))
    assert np.abs(tiny - normal).mean() < 0.03 and np.abs(huge - normal).mean() < 0.03
    # A fixed pen would not: 2 px on the huge writing is a hairline.
    hairline = normalize_symbol(render_strokes([two * 6.0], stroke_width=2)[0])
    assert np.abs(hairline - normal).mean() > 2 * np.abs(huge - normal).mean()


def test_breaks_mark_gaps_too_wide_for_one_number() -> None:
    one, two = (10, 10, 14, 50), (20, 10, 36, 50)  # 6 px apart: one number
    minus = (64, 29, 84, 31)  # 28 px after the 2; its thinness does not set the scale
    three = (86, 10, 100, 50)
    symbols = segment_image(_page([one, two, minus, three]))
    assert len(symbols) == 4
    assert breaks(symbols) == [False, True, False]
    assert breaks(symbols, factor=1.0) == [False, False, False]
    assert breaks(symbols[:1]) == [] and breaks([]) == []
