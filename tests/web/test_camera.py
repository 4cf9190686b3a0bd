"""The page's camera mode in-process: webcam frames over the WebSocket, tracked by the real MediaPipe model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from redes.aircalc.airwriting import HandTracker, PresenceRule, read_video
from redes.aircalc.handvideo import SEVEN_MINUS_ONE, hand_in_frame, save_video, writing_frames
from redes.aircalc.recognize import Recognizer
from redes.web import create_app
from redes.web.camera import MAX_CAMERAS

MIRROR = os.environ.get("REDES_DATA_MIRROR")
HANDS = Path(MIRROR) / "mediapipe" if MIRROR else None
MODEL = HANDS / "hand_landmarker.task" if HANDS else None
pytestmark = pytest.mark.skipif(
    MODEL is None or not MODEL.is_file(), reason="REDES_DATA_MIRROR has no MediaPipe hand model to track with"
)


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """A webcam's view of a hand writing "7-1": mirrored, as a camera facing the writer sees it."""
    photo = cv2.cvtColor(cv2.imread(str(HANDS / "hand_thumb_up.jpg")), cv2.COLOR_BGR2RGB)
    with HandTracker(MODEL) as tracker:
        photo, fingertip = hand_in_frame(photo, tracker)
    return list(writing_frames(photo, fingertip, SEVEN_MINUS_ONE, mirror=True))


@pytest.fixture(scope="module")
def client(recognizer: Recognizer) -> TestClient:
    return TestClient(create_app(recognizer, hand_model=MODEL))


def _jpeg(rgb: np.ndarray) -> bytes:
    """As the page sends a frame: the mirrored view flipped back (what the person sees) as a JPEG."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(rgb[:, ::-1]), cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def test_frames_in_strokes_out_read_as_the_cli_reads_the_same_video(
    client: TestClient, recognizer: Recognizer, frames: list[np.ndarray], tmp_path: Path
) -> None:
    answers = []
    with client.websocket_connect("/api/aircalc/camera?rule=presence") as camera:
        for frame in frames:
            camera.send_bytes(_jpeg(frame))
            answers.append(camera.receive_json())
    assert [answer["hand"] for answer in answers] == [bool((frame != frame[0, 0]).any()) for frame in frames]
    assert all(answer["size"] == [640, 480] for answer in answers)
    down = [answer for answer in answers if answer["down"]]
    assert len(down) == sum(SEVEN_MINUS_ONE.stroke_frames) and all(answer["tip"] for answer in down)
    strokes = answers[-1]["strokes"]
    assert len(strokes) == 3 and answers[-1]["trail"] == []
    # The same strokes, within JPEG's blur, as `redes aircalc video` gets from the lossless video.
    video = save_video([frame[:, ::-1] for frame in frames], tmp_path / "seen.avi")
    with HandTracker(MODEL) as tracker:
        lossless = read_video(video, tracker, PresenceRule()).strokes
    for served, read in zip(strokes, lossless, strict=True):
        assert np.abs(np.array(served) - read).max() < 4.0
    reading = client.post("/api/aircalc/strokes", json={"strokes": strokes}).json()
    assert reading["expression"] == recognizer.read_strokes(lossless).text
    assert len(reading["symbols"]) == 3


def test_undo_and_clear_edit_the_strokes_and_bad_messages_are_answered(
    client: TestClient, frames: list[np.ndarray]
) -> None:
    with client.websocket_connect("/api/aircalc/camera?rule=presence") as camera:
        for frame in frames:
            camera.send_bytes(_jpeg(frame))
            camera.receive_json()
        camera.send_text(json.dumps({"command": "undo"}))
        assert len(camera.receive_json()["strokes"]) == 2
        camera.send_bytes(b"not an image")
        assert "not an image" in camera.receive_json()["error"]
        camera.send_text("undo please")
        assert "command" in camera.receive_json()["error"]
        camera.send_text(json.dumps({"command": "clear"}))
        assert camera.receive_json()["strokes"] == []
        camera.send_bytes(_jpeg(frames[0]))  # the stream goes on after each refusal
        assert camera.receive_json()["hand"] is False


def test_without_a_hand_model_or_a_free_slot_the_camera_says_so(
    recognizer: Recognizer, client: TestClient, tmp_path: Path
) -> None:
    missing = TestClient(create_app(recognizer, hand_model=tmp_path / "hand_landmarker.task"))
    with missing.websocket_connect("/api/aircalc/camera") as camera:
        message = camera.receive_json()["error"]
        assert "hand_landmarker.task is missing" in message and "dvc repro aircalc_download" in message
        with pytest.raises(WebSocketDisconnect):
            camera.receive_json()
    with client.websocket_connect("/api/aircalc/camera") as first, client.websocket_connect("/api/aircalc/camera"):
        first.send_text(json.dumps({"command": "clear"}))
        first.receive_json()  # both slots taken now
        assert MAX_CAMERAS == 2
        with client.websocket_connect("/api/aircalc/camera") as third:
            assert "camera slots are in use" in third.receive_json()["error"]
