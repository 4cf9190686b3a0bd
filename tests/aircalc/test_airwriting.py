"""Writing in the air: the hand tracker on photos and a synthetic video, the pen rules, the writer.

The tracker's tests run the real `hand_landmarker.task` of the mirror and skip, saying why, without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from redes.aircalc.airwriting import (
    INDEX_TIP,
    MIDDLE_MCP,
    N_LANDMARKS,
    SMOOTHING,
    THUMB_TIP,
    WRIST,
    AirWriter,
    Hand,
    HandTracker,
    PinchRule,
    PresenceRule,
    read_video,
)
from redes.aircalc.handvideo import PEN_UP_FRAMES, SEVEN_MINUS_ONE, hand_in_frame, save_video, writing_frames
from redes.aircalc.recognize import Recognizer
from redes.errors import RedesError
from tests.helpers.aircalc import distance_to_path

MIRROR = os.environ.get("REDES_DATA_MIRROR")
HANDS = Path(MIRROR) / "mediapipe" if MIRROR else None
MODEL = HANDS / "hand_landmarker.task" if HANDS else None
needs_model = pytest.mark.skipif(
    MODEL is None or not MODEL.is_file(),
    reason="REDES_DATA_MIRROR is not set: no MediaPipe hand model to track with"
    if MODEL is None
    else f"{MODEL} is missing: the mirror has no MediaPipe hand model",
)


@pytest.fixture
def tracker() -> Iterator[HandTracker]:
    with HandTracker(MODEL) as tracker:
        yield tracker


def _photo(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(HANDS / name)), cv2.COLOR_BGR2RGB)


@needs_model
@pytest.mark.parametrize(("name", "handedness"), [("hand_test_image.jpg", "Right"), ("hand_thumb_up.jpg", "Left")])
def test_the_tracker_finds_the_hand_in_each_photo(tracker: HandTracker, name: str, handedness: str) -> None:
    photo = _photo(name)
    height, width = photo.shape[:2]
    hand = tracker.track(photo, 0)
    assert hand is not None and hand.landmarks.shape == (N_LANDMARKS, 2)
    assert hand.handedness == handedness  # as PROVENANCE.md describes the photos
    x, y = hand.landmarks.T
    assert (x >= 0).all() and (x < width).all() and (y >= 0).all() and (y < height).all()
    assert hand.size > 0.1 * height  # a hand filling a good part of the photo, not a speck
    # Both photos are thumbs-up: the curled index finger's tip lies among the other landmarks.
    others = np.delete(hand.landmarks, INDEX_TIP, axis=0)
    assert (others.min(axis=0) <= hand.index_tip).all() and (hand.index_tip <= others.max(axis=0)).all()
    assert tracker.track(np.full_like(photo, 128), 40) is None  # and none in a blank frame


@pytest.fixture
def writing_video(tmp_path: Path) -> Path:
    """The synthetic video of "7-1" written by the thumbs-up photo (a single hand on a plain wall)."""
    with HandTracker(MODEL) as still:
        photo, fingertip = hand_in_frame(_photo("hand_thumb_up.jpg"), still)
    return save_video(list(writing_frames(photo, fingertip, SEVEN_MINUS_ONE)), tmp_path / "seven_minus_one.avi")


@needs_model
def test_a_video_of_a_hand_writing_gives_the_strokes_and_the_same_reading(
    writing_video: Path, tracker: HandTracker, recognizer: Recognizer
) -> None:
    result = read_video(writing_video, tracker, PresenceRule())
    frames_per_stroke = SEVEN_MINUS_ONE.stroke_frames
    assert result.frames == sum(frames_per_stroke) + PEN_UP_FRAMES * (len(frames_per_stroke) + 1)
    assert result.hand_frames == sum(frames_per_stroke)  # the hand in every frame it is in, never on the bare wall
    assert len(result.strokes) == len(SEVEN_MINUS_ONE.paths)
    for stroke, path, count in zip(result.strokes, SEVEN_MINUS_ONE.paths, frames_per_stroke, strict=True):
        assert len(stroke) == count
        # On its path: the fingertip tracked in a frame is a few pixels off the still photo's.
        assert distance_to_path(stroke, path).mean() < 5.0
        # And all of it: each corner and end is near the stroke, but for the smoothing's lag.
        step = np.linalg.norm(np.diff(path, axis=0), axis=1).sum() / (count - 1)
        assert distance_to_path(path, stroke).max() < 5.0 + step * SMOOTHING / (1 - SMOOTHING)
    intended = recognizer.read_strokes(SEVEN_MINUS_ONE.fingertip())
    recovered = recognizer.read_strokes(result.strokes)
    assert len(intended.reading.tokens) == 3
    assert recovered.reading.tokens == intended.reading.tokens
    assert not result.shown


def _hand(index_tip: tuple[float, float], thumb_gap: float = 100.0, scale: float = 1.0) -> Hand:
    """A synthetic hand: palm length 100 (wrist to middle knuckle), thumb tip `thumb_gap` left of the index tip."""
    landmarks = np.zeros((N_LANDMARKS, 2))
    landmarks[WRIST] = (0.0, 100.0)
    landmarks[MIDDLE_MCP] = (0.0, 0.0)
    landmarks[INDEX_TIP] = (0.0, -50.0)
    landmarks[THUMB_TIP] = (-thumb_gap, -50.0)
    return Hand(landmarks * scale + np.asarray(index_tip) - landmarks[INDEX_TIP] * scale)


def test_the_pinch_rule_writes_while_thumb_and_index_touch_with_hysteresis() -> None:
    for scale in (0.5, 3.0):  # near the camera or far from it: the gap counts in palm lengths
        rule = PinchRule(press=0.3, release=0.45)
        gaps = [100, 38, 15, 38, 44, 50, 38, 15]
        downs = [rule.pen_down(_hand((0, 0), gap, scale)) for gap in gaps]
        # open: up; in between from up: still up; pinched: down; in between from down: still down; open: up ...
        assert downs == [False, False, True, True, True, False, False, True]
        assert rule.pen_down(None) is False  # the hand gone lifts the pen
        assert rule.pen_down(_hand((0, 0), 38, scale)) is False
    with pytest.raises(ValueError, match="press < release"):
        PinchRule(press=0.5, release=0.4)


def test_the_writer_splits_strokes_at_pen_up_smooths_keeps_taps_and_undoes() -> None:
    writer = AirWriter(PresenceRule(), smoothing=0.5)
    frames = [(0, 0), (10, 0), (20, 0), None, (50, 50), None, (70, 0), (70, 0), (70, 0), None, (90, 0), (90, 10)]
    downs = [writer.update(None if tip is None else _hand(tip)) for tip in frames]
    assert downs == [tip is not None for tip in frames]
    writer.finish()  # the video ended with the pen down: that stroke counts
    strokes = writer.strokes
    # A one-frame flicker at (50, 50) writes nothing; a tap held three frames is a dot.
    assert len(strokes) == 3
    np.testing.assert_allclose(strokes[0], [(0, 0), (5, 0), (12.5, 0)])  # each point keeps half the last
    np.testing.assert_allclose(strokes[1], [(70, 0)] * 3)
    np.testing.assert_allclose(strokes[2], [(90, 0), (90, 5)])  # smoothing starts afresh at each pen-down

    writer.undo()
    assert len(writer.strokes) == 2
    writer.update(_hand((0, 0)))
    writer.update(_hand((1, 0)))
    assert len(writer.trail) == 2
    writer.undo()  # while writing: the stroke being written goes, the finished ones stay
    assert len(writer.trail) == 0 and len(writer.strokes) == 2
    writer.clear()
    assert writer.strokes == [] and len(writer.trail) == 0


def test_a_missing_or_broken_model_says_which_file_and_how_to_fetch_it(tmp_path: Path) -> None:
    missing = tmp_path / "hand_landmarker.task"
    with pytest.raises(RedesError, match="dvc repro aircalc_download") as error:
        HandTracker(missing)
    assert str(missing) in str(error.value)
    missing.write_bytes(b"not a task bundle")
    with pytest.raises(RedesError, match="dvc repro aircalc_download") as error:
        HandTracker(missing)
    assert str(missing) in str(error.value)


class _ScriptedTracker:
    """Stands in for HandTracker: hands from a script, timestamps recorded."""

    def __init__(self, hands: list[Hand | None]) -> None:
        self.hands = iter(hands)
        self.timestamps: list[int] = []
        self.last_timestamp_ms: int | None = None

    def track(self, frame_rgb: np.ndarray, timestamp_ms: int) -> Hand | None:
        assert frame_rgb.shape == (48, 64, 3)
        self.timestamps.append(timestamp_ms)
        self.last_timestamp_ms = timestamp_ms
        return next(self.hands)


def test_read_video_times_frames_by_the_video_and_never_needs_a_display(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "blank.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), 25, (64, 48))
    for _ in range(6):
        writer.write(np.zeros((48, 64, 3), dtype=np.uint8))
    writer.release()
    monkeypatch.delenv("DISPLAY", raising=False)  # headless: OpenCV's Qt would abort the process
    tracker = _ScriptedTracker([_hand((10, 10)), _hand((20, 10)), None, _hand((30, 30)), _hand((30, 40)), None] * 2)

    result = read_video(path, tracker, PresenceRule(), show=True)
    assert not result.shown and result.frames == 6 and result.hand_frames == 4
    assert [len(stroke) for stroke in result.strokes] == [2, 2]
    assert tracker.timestamps == [0, 40, 80, 120, 160, 200]  # 25 fps
    read_video(path, tracker, PresenceRule(), max_frames=2)  # a second video carries on after the first
    assert tracker.timestamps[6:] == [201, 241]


def test_a_video_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.avi"
    with pytest.raises(RedesError, match=r"nowhere\.avi"):
        read_video(missing, _ScriptedTracker([]), PresenceRule())
