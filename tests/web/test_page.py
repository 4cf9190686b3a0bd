"""The page in a real browser: headless Chromium writes on the pad with a pen, uploads a photo and
writes in the air before its fake camera, fed a video of a real hand.

Needs Debian's `chromium` and `chromium-driver`; the test is skipped, saying which, without them.
The page talks to the real server of `redes aircalc serve`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from redes.aircalc.airwriting import HandTracker
from redes.aircalc.handvideo import SEVEN_MINUS_ONE, AirWriting, hand_in_frame, save_video, writing_frames
from redes.aircalc.recognize import Recognizer
from redes.aircalc.segment import strokes_origin
from tests.helpers.aircalc import distance_to_path, write_expression
from tests.helpers.browser import WAIT_SECONDS, assert_no_page_errors, chromium
from tests.web.conftest import HAND_MODEL, Server

# "7-1" in CSS pixels from the pad's top-left corner: a 7 in one stroke, a minus, a 1.
STROKES = [
    [(110, 40), (170, 40), (134, 140)],
    [(210, 90), (260, 90)],
    [(314, 40), (314, 140)],
]


# The camera's video: "7-1" written slowly, with a long pause before and after, so the page (which
# may track fewer frames a second than the video has on a busy machine) sees every pen-up, and reads
# the writing before the fake camera starts the video over.
SLOW_WRITING = AirWriting(SEVEN_MINUS_ONE.text, SEVEN_MINUS_ONE.paths, (48, 20, 28))
PEN_UP, LEAD_IN, TAIL = 15, 60, 150


@pytest.fixture(scope="module")
def camera_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    if HAND_MODEL is None:
        pytest.skip("REDES_DATA_MIRROR has no MediaPipe hand model to track with")
    with HandTracker(HAND_MODEL) as tracker:
        photo = np.asarray(Image.open(HAND_MODEL.with_name("hand_thumb_up.jpg")).convert("RGB"))
        photo, fingertip = hand_in_frame(photo, tracker)
    # As a camera facing the writer sees the writing: mirrored.
    frames = list(writing_frames(photo, fingertip, SLOW_WRITING, pen_up_frames=PEN_UP, mirror=True))
    frames = [frames[0]] * LEAD_IN + frames + [frames[-1]] * TAIL
    video = save_video(frames, tmp_path_factory.mktemp("camera") / "seven_minus_one.y4m")
    fake_camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    yield from chromium(fake_camera)


def test_writing_with_a_pen_reads_the_expression_boxes_each_symbol_and_undo_and_clear_empty_it(
    browser, server: Server, recognizer: Recognizer
) -> None:
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    browser.get(server.url)
    left, top, width, height, pixels_wide, pixels_high = browser.execute_script(
        "const pad = document.getElementById('pad'); const r = pad.getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height, pad.width, pad.height];"
    )
    pen = ActionBuilder(browser, mouse=PointerInput(interaction.POINTER_PEN, "pen"), duration=0)
    expected_strokes = []
    for stroke in STROKES:
        viewport = [(round(left + x), round(top + y)) for x, y in stroke]
        pen.pointer_action.move_to_location(*viewport[0]).pointer_down()
        for point in viewport[1:]:
            pen.pointer_action.move_to_location(*point)
        pen.pointer_action.pointer_up()
        # Where the page puts these points: its canvas pixels, as it maps CSS pixels to them.
        expected_strokes.append(
            np.array([[(vx - left) * pixels_wide / width, (vy - top) * pixels_high / height] for vx, vy in viewport])
        )
    pen.perform()

    assert pixels_wide == round(2 * width)
    expected = recognizer.read_strokes(expected_strokes)
    assert len(expected.symbols) == 3
    _wait_for_expression(browser, expected.text)
    # Each box drawn where its ink is, in the canvas's pixels.
    dx, dy = strokes_origin(expected_strokes)
    boxes = [[x0 + dx, y0 + dy, x1 - x0, y1 - y0] for x0, y0, x1, y1 in (s.box for s in expected.symbols)]
    drawn = browser.find_elements("css selector", "#overlay rect.box")
    assert [[float(box.get_attribute(key)) for key in ("x", "y", "width", "height")] for box in drawn] == boxes
    assert len(browser.find_elements("css selector", "#symbols li")) == 3
    assert _text(browser, "symbols").splitlines()[0].startswith(expected.reading.tokens[0] + " ")
    if expected.value is not None:
        assert _text(browser, "fraction") == expected.value.fraction_text
    else:
        assert _text(browser, "error") == str(expected.error)

    browser.find_element("id", "undo").click()
    assert browser.find_element("id", "pad").get_attribute("data-strokes") == "2"
    without_one = recognizer.read_strokes(expected_strokes[:2])
    _wait_for_expression(browser, without_one.text)  # "7-": an operator with nothing after it
    assert _text(browser, "error") == str(without_one.error)
    assert len(browser.find_elements("css selector", "#overlay rect.box.offending")) == 1

    browser.find_element("id", "clear").click()
    assert browser.find_element("id", "pad").get_attribute("data-strokes") == "0"
    assert _text(browser, "expression") == "" and not browser.find_element("id", "error").is_displayed()
    assert browser.find_elements("css selector", "#overlay rect, #symbols li") == []
    blank = "const pad = document.getElementById('pad');"
    blank += "return pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data.every(v => v === 0);"
    assert browser.execute_script(blank)
    assert_no_page_errors(browser)


def test_an_uploaded_photo_is_read_and_boxed(browser, server: Server, recognizer: Recognizer, tmp_path: Path) -> None:
    png = write_expression(tmp_path / "sum.png", ["1", "2", "÷", "8"], pools_seed=5, seed=6)
    expected = recognizer.read_image(np.asarray(Image.open(png)))
    browser.get(server.url)
    browser.find_element("id", "photo").send_keys(str(png))
    _wait_for_expression(browser, expected.text)
    assert _text(browser, "fraction") == expected.value.fraction_text
    assert _text(browser, "decimal") == expected.value.decimal
    assert len(browser.find_elements("css selector", "#photo-overlay rect.box")) == len(expected.symbols)
    assert browser.find_element("id", "photo-view").is_displayed()
    assert_no_page_errors(browser)


def test_writing_in_the_air_before_the_camera_is_tracked_read_and_kept_when_the_camera_stops(
    camera_browser, server: Server, recognizer: Recognizer
) -> None:
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser = camera_browser
    browser.get(server.url)
    Select(browser.find_element("id", "pen-rule")).select_by_value("presence")  # what a video can do
    browser.find_element("id", "camera").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda driver: _text(driver, "camera") == "Stop camera")
    # Read by itself once the pen has stayed up: the pause after the last stroke.
    WebDriverWait(browser, 3 * WAIT_SECONDS, poll_frequency=0.1).until(lambda driver: _text(driver, "expression"))
    browser.find_element("id", "camera").click()
    shown = _text(browser, "expression")
    strokes = browser.execute_script("return cameraStrokes;")
    assert len(strokes) == 3 and browser.find_element("id", "pad").get_attribute("data-strokes") == "3"
    # Each stroke where the fingertip went: on its path in the frame, as the writer sees it.
    for stroke, path in zip(strokes, SLOW_WRITING.paths, strict=True):
        assert distance_to_path(np.array(stroke), path).max() < 8.0
    assert shown == recognizer.read_strokes([np.array(stroke) for stroke in strokes]).text
    assert len(browser.find_elements("css selector", "#overlay rect.box")) == 3
    assert _text(browser, "camera") == "Camera"
    assert browser.find_element("id", "pad").get_attribute("data-strokes") == "3"  # kept after the camera stops
    browser.find_element("id", "clear").click()
    assert browser.find_element("id", "pad").get_attribute("data-strokes") == "0"
    assert_no_page_errors(browser)


def _text(browser, element_id: str) -> str:
    return browser.find_element("id", element_id).text


def _wait_for_expression(browser, text: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser, WAIT_SECONDS).until(lambda driver: _text(driver, "expression") == text)
    except TimeoutException:
        shown = _text(browser, "expression"), _text(browser, "error"), _text(browser, "status")
        pytest.fail(f"the page shows {shown!r}, not the expression {text!r}")
