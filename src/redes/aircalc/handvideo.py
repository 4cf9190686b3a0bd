"""Air-writing on video without a person: a real hand photo moved so that its fingertip writes given strokes.

The evaluation times the camera path on such a video (frames per second on 640×480 frames, the
real tracker on a real hand), and the tests feed one to `read_video` and, as a `.y4m`, to
Chromium's fake camera. Between strokes the hand leaves the frame: the pen rule a recorded
video can exercise is the hand's presence (`PresenceRule`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from redes.aircalc.airwriting import HandTracker
from redes.errors import RedesError
from redes.files import replaced_atomically

FRAME_SIZE = (640, 480)  # width, height: the camera frames the targets are stated for
VIDEO_FPS = 30
PEN_UP_FRAMES = 6  # frames without the hand before, between and after the strokes


@dataclass(frozen=True)
class AirWriting:
    """An expression as the fingertip writes it: polylines in frame pixels, each drawn over its frames."""

    text: str
    paths: tuple[np.ndarray, ...]
    stroke_frames: tuple[int, ...]

    def fingertip(self) -> list[np.ndarray]:
        """Where the fingertip is in each frame of each stroke: evenly along its path, both ends included."""
        return [along(path, count) for path, count in zip(self.paths, self.stroke_frames, strict=True)]


# "7-1": a 7 in one stroke, a minus, a 1, about 1.5 s of writing.
SEVEN_MINUS_ONE = AirWriting(
    "7-1",
    (
        np.array([(150, 180), (250, 180), (190, 320)], dtype=float),
        np.array([(300, 250), (380, 250)], dtype=float),
        np.array([(450, 180), (450, 320)], dtype=float),
    ),
    (24, 10, 14),
)


def along(path: np.ndarray, count: int) -> np.ndarray:
    """`count` points evenly spaced along a polyline, both ends included."""
    lengths = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))]
    at = np.linspace(0.0, lengths[-1], count)
    return np.stack([np.interp(at, lengths, path[:, 0]), np.interp(at, lengths, path[:, 1])], axis=1)


def hand_in_frame(photo_rgb: np.ndarray, tracker: HandTracker) -> tuple[np.ndarray, np.ndarray]:
    """The photo scaled to leave room to move in a frame, and its index fingertip there (tracked, not guessed)."""
    scale = 0.6 * FRAME_SIZE[1] / photo_rgb.shape[0]
    photo = cv2.resize(photo_rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    hand = tracker.track(photo, 0 if tracker.last_timestamp_ms is None else tracker.last_timestamp_ms + 1)
    if hand is None:
        raise RedesError("the hand tracker finds no hand in the photo: a photo of one hand is needed")
    return photo, hand.index_tip


def writing_frames(
    photo_rgb: np.ndarray,
    fingertip: np.ndarray,
    writing: AirWriting,
    *,
    pen_up_frames: int = PEN_UP_FRAMES,
    mirror: bool = False,
) -> Iterator[np.ndarray]:
    """RGB frames of FRAME_SIZE: the photo on its own wall colour, moved so `fingertip` follows each stroke.

    `mirror=True` flips each frame left to right, as a camera facing the writer sees the writing.
    """
    width, height = FRAME_SIZE
    background = np.median(photo_rgb[:10, -10:].reshape(-1, 3), axis=0).astype(np.uint8)  # the photo's own wall

    def frame(target: np.ndarray | None) -> np.ndarray:
        canvas = np.empty((height, width, 3), dtype=np.uint8)
        canvas[:] = background
        if target is not None:
            left, top = np.round(target - fingertip).astype(int)
            x0, y0 = max(left, 0), max(top, 0)
            x1, y1 = min(left + photo_rgb.shape[1], width), min(top + photo_rgb.shape[0], height)
            canvas[y0:y1, x0:x1] = photo_rgb[y0 - top : y1 - top, x0 - left : x1 - left]
        return canvas[:, ::-1] if mirror else canvas

    for points in writing.fingertip():
        for _ in range(pen_up_frames):
            yield frame(None)
        for target in points:
            yield frame(target)
    for _ in range(pen_up_frames):
        yield frame(None)


def save_video(frames: Sequence[np.ndarray], path: Path, fps: int = VIDEO_FPS) -> Path:
    """RGB frames as `.avi` (FFV1, lossless, what OpenCV reads back exactly) or `.y4m` (Chromium's fake camera)."""
    height, width = frames[0].shape[:2]
    with replaced_atomically(path) as partial:
        if path.suffix == ".y4m":
            with partial.open("wb") as out:
                out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
                for rgb in frames:
                    out.write(b"FRAME\n" + cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420).tobytes())
        elif path.suffix == ".avi":
            writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"FFV1"), fps, (width, height))
            if not writer.isOpened():
                raise RedesError(f"OpenCV cannot write FFV1 video to {path}")
            for rgb in frames:
                writer.write(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
            writer.release()
        else:
            raise ValueError(f"{path}: a video is written as .avi or .y4m")
    return path
