"""The page's camera mode: the browser's webcam frames in over one WebSocket, the pen's strokes out.

`WS /api/aircalc/camera?rule=pinch|presence`. The page sends each frame as a binary message (a
JPEG, mirrored as people see themselves); the server follows the hand with the same
`HandTracker` and `AirWriter` as `redes aircalc video` and answers every message with the pen's
state in the frame's pixels: `{"hand", "tip", "down", "strokes", "trail", "size", "frame"}`
(`frame`: whether it answers a frame, which the page waits for before sending the next). The page
reads the strokes through `POST /strokes`, as it reads the pad's. A text message
`{"command": "undo"}` or `{"command": "clear"}` edits the strokes. A frame that is not an image
or is too large gets `{"error": ...}` and the stream goes on; a server without the hand model,
or with every camera slot taken, says so and closes.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from redes.aircalc.airwriting import AirWriter, Hand, HandTracker, PinchRule, PresenceRule
from redes.errors import RedesError

MAX_FRAME_BYTES = 2 * 2**20  # a 640×480 JPEG is 30-100 kB
MAX_FRAME_PIXELS = 1920 * 1080
# Each camera holds a hand tracker and takes a core's worth of tracking; more would only share the cores.
MAX_CAMERAS = 2
RULES = {"pinch": PinchRule, "presence": PresenceRule}
CLOSE_UNAVAILABLE = 1013  # RFC 6455 "try again later": every slot taken
CLOSE_SERVER_ERROR = 1011


def add_camera_route(app: FastAPI, hand_model: Path | None, prefix: str = "/api/aircalc") -> None:
    """`WS {prefix}/camera`, tracking with the MediaPipe bundle `hand_model` (None: camera mode unavailable)."""
    cameras = {"open": 0}  # connections are counted on the event loop's one thread: no lock needed

    @app.websocket(f"{prefix}/camera")
    async def camera(websocket: WebSocket, rule: Literal["pinch", "presence"] = "pinch") -> None:
        # Counted before the handshake completes: a client that sees its connection open holds its slot.
        cameras["open"] += 1
        try:
            await websocket.accept()
            if cameras["open"] > MAX_CAMERAS:
                message = f"all {MAX_CAMERAS} camera slots are in use; try again later"
                await _refuse(websocket, message, CLOSE_UNAVAILABLE)
                return
            await _follow(websocket, hand_model, rule)
        except WebSocketDisconnect:
            pass
        finally:
            cameras["open"] -= 1


async def _follow(websocket: WebSocket, hand_model: Path | None, rule: str) -> None:
    if hand_model is None:
        await _refuse(websocket, "this server has no hand model; start it with --hand-model", CLOSE_SERVER_ERROR)
        return
    try:
        tracker = await asyncio.to_thread(HandTracker, hand_model)
    except RedesError as error:
        await _refuse(websocket, f"camera mode is unavailable: {error}", CLOSE_SERVER_ERROR)
        return
    writer = AirWriter(RULES[rule]())
    started = time.monotonic()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                # MediaPipe's VIDEO mode wants increasing timestamps: the server's clock, from the connection.
                timestamp_ms = max(round((time.monotonic() - started) * 1000), (tracker.last_timestamp_ms or 0) + 1)
                answer = await asyncio.to_thread(_track, tracker, writer, message["bytes"], timestamp_ms)
            else:
                answer = _command(writer, message.get("text") or "")
            # The page sends its next frame on the answer to its last one, whatever that answer says.
            await websocket.send_json({**answer, "frame": message.get("bytes") is not None})
    finally:
        tracker.close()


def _track(tracker: HandTracker, writer: AirWriter, data: bytes, timestamp_ms: int) -> dict[str, Any]:
    if len(data) > MAX_FRAME_BYTES:
        return {"error": f"a frame of {len(data)} bytes; at most {MAX_FRAME_BYTES} are read"}
    frame_bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if frame_bgr is None:
        return {"error": "a frame that is not an image: send JPEG or PNG"}
    height, width = frame_bgr.shape[:2]
    if height * width > MAX_FRAME_PIXELS:
        return {"error": f"a {width}×{height} frame; at most {MAX_FRAME_PIXELS:,} pixels are tracked"}
    hand = tracker.track(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB), timestamp_ms)
    down = writer.update(hand)
    return _state(writer, hand, down, (width, height))


def _command(writer: AirWriter, text: str) -> dict[str, Any]:
    try:
        command = json.loads(text).get("command")
    except (json.JSONDecodeError, AttributeError):
        command = None
    if command == "undo":
        writer.undo()
    elif command == "clear":
        writer.clear()
    else:
        return {"error": 'a text message is {"command": "undo"} or {"command": "clear"}'}
    return _state(writer, None, False, None)


def _state(writer: AirWriter, hand: Hand | None, down: bool, size: tuple[int, int] | None) -> dict[str, Any]:
    def points(array: np.ndarray) -> list[list[float]]:
        return np.round(array, 1).tolist()

    return {
        "hand": hand is not None,
        "tip": points(np.asarray(hand.index_tip)) if hand is not None else None,
        "down": down,
        "strokes": [points(stroke) for stroke in writer.strokes],
        "trail": points(writer.trail),
        "size": list(size) if size else None,
    }


async def _refuse(websocket: WebSocket, message: str, code: int) -> None:
    await websocket.send_json({"error": message})
    await websocket.close(code=code, reason=message[:120])
