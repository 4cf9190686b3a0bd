"""From camera frames to pen strokes: writing in the air with a fingertip, for `Recognizer.read_strokes`.

This serves AirCalc's camera front ends (`redes aircalc video`, a live camera window) and their
tests. `HandTracker` finds the hand's 21 landmarks in each frame with MediaPipe Tasks'
HandLandmarker; a pen rule (`PinchRule`, `PresenceRule`) says when the fingertip writes;
`AirWriter` collects the index fingertip's path into strokes, one per pen-down, in frame pixels,
the form `segment_strokes` cuts into symbols. `read_video` runs the three over a video file or a
camera and says how fast it went.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

import cv2
import numpy as np

from redes.errors import RedesError

if TYPE_CHECKING:
    from mediapipe.tasks.python.vision import HandLandmarker

# MediaPipe's hand landmarks (https://ai.google.dev/edge/mediapipe/solutions/vision/hand_landmarker).
N_LANDMARKS = 21
WRIST, THUMB_TIP, INDEX_TIP, MIDDLE_MCP = 0, 4, 8, 9

# How much of the previous trail point each new point keeps. Light, because it costs lag: the
# trail trails the fingertip by s / (1 - s) frames of motion, so it cuts corners and shortens
# each stroke's end by that much (0.3: under half a frame). MediaPipe's own tracking is steady
# (a still hand's fingertip moves under a pixel between noisy frames); this takes the edge off
# a real camera's blur and noise.
SMOOTHING = 0.3
# A pen-down shorter than this many frames is a flicker (a hand found in one frame, a pinch that
# crossed its threshold for one frame) and writes nothing. A deliberate tap, the dot of ÷, holds
# the pen down for several frames and is kept however little it moved.
MIN_FRAMES = 2
# Frame rate assumed when a video or camera does not report one, for MediaPipe's timestamps.
DEFAULT_FPS = 30.0
MODEL_ADVICE = "run `dvc repro aircalc_download` to fetch it"
WINDOW = "AirCalc: q stops, u undoes, c clears"


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value to compare by
class Hand:
    """One hand in one frame: its 21 landmarks as (x, y) pixels of the frame.

    `handedness` is MediaPipe's "Left" or "Right", read as if the frame were a mirrored selfie
    view, and `score` its confidence in that reading.
    """

    landmarks: np.ndarray  # (21, 2) float
    handedness: str = ""
    score: float = 1.0

    def __post_init__(self) -> None:
        if np.shape(self.landmarks) != (N_LANDMARKS, 2):
            raise ValueError(f"a hand has {N_LANDMARKS} (x, y) landmarks, got shape {np.shape(self.landmarks)}")

    @property
    def index_tip(self) -> np.ndarray:
        return self.landmarks[INDEX_TIP]

    @property
    def size(self) -> float:
        """Wrist to the middle finger's knuckle: a palm length that neither pinching nor spreading changes."""
        return float(np.linalg.norm(self.landmarks[MIDDLE_MCP] - self.landmarks[WRIST]))

    @property
    def pinch(self) -> float:
        """Thumb tip to index tip in palm lengths: about 1 for an open hand, 0.1 to 0.2 when they touch."""
        gap = float(np.linalg.norm(self.landmarks[INDEX_TIP] - self.landmarks[THUMB_TIP]))
        return gap / max(self.size, 1e-6)


class HandTracker:
    """MediaPipe's HandLandmarker on a video stream (VIDEO mode: it follows the hand from frame to frame).

    Use it as a context manager, or call `close()`: the landmarker holds native resources.
    The confidence thresholds are MediaPipe's: detection finds a hand anew, presence and
    tracking decide whether the hand followed from the last frame is still there.
    """

    def __init__(
        self,
        model_path: Path,
        *,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        # MediaPipe imported here, not at the top: it imports TensorFlow (seconds) when it is
        # installed, and the rules and the writer below need neither.
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import HandLandmarker, HandLandmarkerOptions, RunningMode

        model_path = Path(model_path)
        if not model_path.is_file():
            raise RedesError(f"the hand landmark model {model_path} is missing: {MODEL_ADVICE}")
        try:
            # Bytes rather than a path: on Windows MediaPipe joins an absolute model path onto its
            # own package folder and fails (google-ai-edge/mediapipe#5343); its maintainers' workaround.
            model = model_path.read_bytes()
        except OSError as error:
            raise RedesError(
                f"the hand landmark model {model_path} cannot be read ({error}): {MODEL_ADVICE}"
            ) from error
        options = HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model),
            running_mode=RunningMode.VIDEO,
            num_hands=1,
            min_hand_detection_confidence=min_detection_confidence,
            min_hand_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        try:
            self._landmarker: HandLandmarker | None = HandLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as error:  # a file that is not a .task bundle: "Unable to open zip archive."
            raise RedesError(
                f"{model_path} is not a MediaPipe hand landmarker bundle ({error}): {MODEL_ADVICE} again"
            ) from error
        self.last_timestamp_ms: int | None = None

    def track(self, frame_rgb: np.ndarray, timestamp_ms: int) -> Hand | None:
        """The hand in an RGB uint8 frame (height, width, 3), or None; timestamps must increase."""
        import mediapipe as mp

        if self._landmarker is None:
            raise ValueError("this HandTracker is closed")
        frame = np.asarray(frame_rgb)
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"expected an RGB uint8 frame (height, width, 3), got {frame.dtype} {frame.shape}")
        # VIDEO mode refuses a timestamp that does not increase; say so in our words, not the C API's.
        if self.last_timestamp_ms is not None and timestamp_ms <= self.last_timestamp_ms:
            raise ValueError(f"timestamp {timestamp_ms} ms does not follow the last one, {self.last_timestamp_ms} ms")
        self.last_timestamp_ms = int(timestamp_ms)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
        result = self._landmarker.detect_for_video(image, int(timestamp_ms))
        if not result.hand_landmarks:
            return None
        height, width = frame.shape[:2]
        # MediaPipe normalises x by the width and y by the height; pixels keep distances isotropic.
        points = np.array([(mark.x * width, mark.y * height) for mark in result.hand_landmarks[0]], dtype=float)
        category = result.handedness[0][0] if result.handedness and result.handedness[0] else None
        return Hand(points, category.category_name if category else "", category.score if category else 1.0)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> HandTracker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class PenRule(Protocol):
    """When the fingertip writes: asked once per frame, with the hand seen in it or None."""

    def pen_down(self, hand: Hand | None) -> bool: ...

    def reset(self) -> None: ...


class PresenceRule:
    """The pen is down while a hand is in view.

    What you do: show your hand and write with the index fingertip; take the hand out of the
    frame to lift the pen between strokes. Tiring live, but it is what a recorded video of
    writing can exercise, and what the tests drive.
    """

    def pen_down(self, hand: Hand | None) -> bool:
        return hand is not None

    def reset(self) -> None:
        pass


class PinchRule:
    """The pen is down while the thumb tip and the index tip pinch together.

    What you do: hold your hand up to the camera, touch thumb and index fingertips together and
    move the hand to write; open them to lift the pen. The gap is measured in palm lengths (wrist
    to middle knuckle, `Hand.size`), so the rule holds near and far from the camera. Hysteresis:
    the pen goes down below `press` and comes up only above `release`, so a gap hovering at one
    threshold does not break a stroke into pieces.
    """

    def __init__(self, press: float = 0.3, release: float = 0.45) -> None:
        if not 0 < press < release:
            raise ValueError(f"need 0 < press < release, got press={press}, release={release}")
        self.press = press
        self.release = release
        self._down = False

    def pen_down(self, hand: Hand | None) -> bool:
        if hand is None:
            self._down = False
        else:
            self._down = hand.pinch < (self.release if self._down else self.press)
        return self._down

    def reset(self) -> None:
        self._down = False


class AirWriter:
    """Turns a stream of hands into strokes: the index fingertip's trail while the pen rule says down.

    Feed it every frame with `update(hand or None)`. Each pen-down becomes one stroke, smoothed
    exponentially (`smoothing` of the previous point kept, 0 for the raw landmarks) and restarted
    at each pen-down so a stroke never drifts from where the last one ended. A pen-down shorter
    than `min_frames` frames is a flicker and is dropped; a tap held for longer is kept as a dot.
    """

    def __init__(self, rule: PenRule, smoothing: float = SMOOTHING, min_frames: int = MIN_FRAMES) -> None:
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing is in [0, 1), got {smoothing}")
        self.rule = rule
        self.smoothing = smoothing
        self.min_frames = max(1, min_frames)
        self._strokes: list[np.ndarray] = []
        self._trail: list[np.ndarray] = []

    def update(self, hand: Hand | None) -> bool:
        """Take one frame's hand (None when none was seen); True while the pen is down."""
        down = self.rule.pen_down(hand) and hand is not None
        if down:
            point = np.array(hand.index_tip, dtype=float)  # a copy: the trail must not share the hand's array
            if self._trail:
                point = self.smoothing * self._trail[-1] + (1 - self.smoothing) * point
            self._trail.append(point)
        else:
            self._lift()
        return down

    def finish(self) -> None:
        """Lift the pen (the video ended): the stroke being written is kept, the rule starts afresh."""
        self._lift()
        self.rule.reset()

    @property
    def strokes(self) -> list[np.ndarray]:
        """Finished strokes, each a (k, 2) array of (x, y) frame pixels, in writing order."""
        return [stroke.copy() for stroke in self._strokes]

    @property
    def trail(self) -> np.ndarray:
        """The stroke being written, (k, 2); empty while the pen is up."""
        return np.array(self._trail, dtype=float).reshape(-1, 2)

    def undo(self) -> None:
        """Drop the stroke being written, or if none, the last finished one."""
        if self._trail:
            self._trail = []
        elif self._strokes:
            self._strokes.pop()

    def clear(self) -> None:
        self._strokes, self._trail = [], []

    def _lift(self) -> None:
        if len(self._trail) >= self.min_frames:
            self._strokes.append(np.array(self._trail, dtype=float))
        self._trail = []


@dataclass(frozen=True, eq=False)
class VideoWriting:
    """What `read_video` read: the strokes and how the reading went."""

    strokes: list[np.ndarray]
    frames: int  # frames read and tracked
    hand_frames: int  # of which a hand was found in
    seconds: float  # wall time, reading and tracking included
    shown: bool  # whether a window showed the writing (False without a display)
    interrupted: bool = False  # stopped by Ctrl+C: the strokes are those written until then

    @property
    def fps(self) -> float:
        """Frames processed per second of wall time."""
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def read_video(
    source: str | Path | int,
    tracker: HandTracker,
    rule: PenRule,
    *,
    max_frames: int | None = None,
    show: bool = False,
    mirror: bool | None = None,
    smoothing: float = SMOOTHING,
) -> VideoWriting:
    """The strokes written in a video file (a path) or before a camera (an index), through OpenCV.

    `mirror` flips each frame left to right before tracking; by default a camera is mirrored, a
    file is not: a camera faces the writer, so unflipped, a 7 written before it reads backwards.
    `show=True` draws the frame, the strokes and the fingertip in a window where q or Esc stops,
    u undoes a stroke and c clears; without a display it reads on, headless. A camera runs until
    stopped or `max_frames`.
    """
    capture = cv2.VideoCapture(str(source) if isinstance(source, Path) else source)
    if not capture.isOpened():
        what = f"camera {source}" if isinstance(source, int) else f"video file {source}"
        raise RedesError(f"cannot open the {what}: check that it exists and is a video OpenCV can read")
    mirror = isinstance(source, int) if mirror is None else mirror
    video_fps = capture.get(cv2.CAP_PROP_FPS)
    # Cameras may report 0 or NaN, broken files a time base (90000): timestamps need a frame rate.
    video_fps = video_fps if 0 < video_fps <= 1000 else DEFAULT_FPS
    # A tracker used before (another video) has seen later timestamps; carry on after them.
    start_ms = 0 if tracker.last_timestamp_ms is None else tracker.last_timestamp_ms + 1
    writer = AirWriter(rule, smoothing)
    window = show and display_available()
    frames = hand_frames = 0
    shown = interrupted = False
    started = time.perf_counter()
    try:
        while max_frames is None or frames < max_frames:
            ok, frame_bgr = capture.read()
            if not ok:
                break
            if mirror:
                frame_bgr = cv2.flip(frame_bgr, 1)
            timestamp_ms = start_ms + round(frames * 1000 / video_fps)
            hand = tracker.track(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), timestamp_ms)
            frames += 1
            hand_frames += hand is not None
            down = writer.update(hand)
            if window:
                try:
                    key = _show(frame_bgr, writer, hand, down)
                except cv2.error:  # an OpenCV built without a GUI (opencv-python-headless): read on, headless
                    window = False
                    continue
                shown = True
                if key == "stop":
                    break
    except KeyboardInterrupt:  # Ctrl+C ends the writing as q does: what was written is kept and read
        interrupted = True
    finally:
        capture.release()
        if shown:
            cv2.destroyWindow(WINDOW)
    writer.finish()
    return VideoWriting(writer.strokes, frames, hand_frames, time.perf_counter() - started, shown, interrupted)


def display_available() -> bool:
    """Whether an OpenCV window can open here.

    Asked before the first window rather than tried: the pip OpenCV's Qt aborts the whole process
    when it finds no X display (it has only the xcb plugin), it does not raise.
    """
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY"))


def draw_writing(frame_bgr: np.ndarray, strokes: Sequence[np.ndarray], hand: Hand | None, down: bool) -> np.ndarray:
    """A copy of the frame with the strokes in green and the fingertip (red while writing)."""
    canvas = frame_bgr.copy()
    lines = [np.round(stroke).astype(np.int32).reshape(-1, 1, 2) for stroke in strokes if len(stroke)]
    cv2.polylines(canvas, lines, isClosed=False, color=(0, 200, 0), thickness=4, lineType=cv2.LINE_AA)
    if hand is not None:
        x, y = np.round(hand.index_tip).astype(int)
        cv2.circle(canvas, (int(x), int(y)), 8, (0, 0, 255) if down else (255, 160, 0), -1, cv2.LINE_AA)
    return canvas


def _show(frame_bgr: np.ndarray, writer: AirWriter, hand: Hand | None, down: bool) -> str:
    """Draw one frame in the window and act on its key: "stop" once q, Esc or closing the window asks to."""
    cv2.imshow(WINDOW, draw_writing(frame_bgr, [*writer.strokes, writer.trail], hand, down))
    key = cv2.waitKey(1) & 0xFF
    if key in (ord("q"), 27) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
        return "stop"
    if key == ord("u"):
        writer.undo()
    elif key == ord("c"):
        writer.clear()
    return "go"
