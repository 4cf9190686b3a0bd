"""AirCalc's API: the page's strokes or an uploaded photo in, the reading (`Recognition.to_dict()`) out.

`POST /strokes` takes `{"strokes": [[[x, y], ...], ...]}`, pen-down point sequences in the
pad's canvas pixels, and answers with each symbol's box in those same pixels, so the page
draws it where the ink is. `POST /image` takes a multipart file upload (field `file`) and
answers with boxes in the image's pixels.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from fastapi import FastAPI, HTTPException, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator

from redes.aircalc.segment import strokes_origin
from redes.errors import RedesError
from redes.photo import decode_photo

if TYPE_CHECKING:
    from redes.aircalc.recognize import Recognizer

# A long expression of 30 symbols takes about 60 strokes.
MAX_STROKES = 100
# All strokes together. A browser reports a pen 60-240 times a second: a minute of writing.
MAX_POINTS = 20_000
# Pixels each way. Any screen's pad fits, and the strokes are drawn on a canvas of at most this size.
MAX_COORDINATE = 4096

Coordinate = Annotated[float, Field(ge=0, le=MAX_COORDINATE, allow_inf_nan=False)]
Point = tuple[Coordinate, Coordinate]


class Strokes(BaseModel):
    """What the pad wrote: pen-down point sequences of (x, y) canvas pixels, a single point being a tap."""

    model_config = ConfigDict(extra="forbid")

    strokes: list[Annotated[list[Point], Field(min_length=1, max_length=MAX_POINTS)]] = Field(max_length=MAX_STROKES)

    @model_validator(mode="after")
    def _few_enough_points(self) -> Strokes:
        total = sum(len(stroke) for stroke in self.strokes)
        if total > MAX_POINTS:
            raise ValueError(f"{total} points in all strokes together; at most {MAX_POINTS} are read")
        return self


def add_aircalc_routes(app: FastAPI, recognizer: Recognizer, prefix: str = "/api/aircalc") -> None:
    """`POST {prefix}/strokes` and `POST {prefix}/image`, reading with `recognizer`."""
    # On the app itself, not through an APIRouter: slowapi's middleware looks for a request's endpoint
    # among app.routes, where FastAPI lists an included router as one entry without an endpoint,
    # and a request it finds no endpoint for goes uncounted.
    # Plain `def` routes: FastAPI runs them in its thread pool, so a reading never blocks the server's
    # event loop. One reading at a time: Keras does not promise a model is safe to call from two
    # threads, and two CPU-bound readings at once would only share the same cores.
    lock = threading.Lock()

    @app.post(f"{prefix}/strokes", tags=["aircalc"])
    def read_strokes(body: Strokes) -> dict[str, Any]:
        strokes = [np.asarray(stroke, dtype=np.float64) for stroke in body.strokes]
        with lock:
            reading = recognizer.read_strokes(strokes).to_dict()
        # segment_strokes puts boxes on a canvas of its own; shifted by its origin they are the pad's pixels.
        dx, dy = (int(offset) for offset in strokes_origin(strokes))
        for symbol in reading["symbols"]:
            x0, y0, x1, y1 = symbol["box"]
            symbol["box"] = [x0 + dx, y0 + dy, x1 + dx, y1 + dy]
        return reading

    @app.post(f"{prefix}/image", tags=["aircalc"])
    def read_image(file: UploadFile) -> dict[str, Any]:
        with lock:  # decoding too: a photo's pixels take hundreds of MB on their way to ink
            try:
                pixels = decode_photo(file.file, file.filename or "the uploaded file")
            except RedesError as error:
                raise HTTPException(status_code=400, detail=str(error)) from None
            return recognizer.read_image(pixels).to_dict()
