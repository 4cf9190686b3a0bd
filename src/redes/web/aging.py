"""Face aging's API: an uploaded photo in, its face at every age group out, as `redes age --all` renders it.

`POST /api/age` takes a multipart upload: `file` (the photo), `gender` (male or female, the
label the generator renders with) and `aligned` (true when the photo already is a UTKFace-style
crop). It answers `{"groups": [...], "face": PNG, "ages": [PNG, ...]}`, each PNG base64-encoded,
the face as it was cropped and then one rendering per group, in the order of `groups`.
"""

from __future__ import annotations

import base64
import io
import threading
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import FastAPI, Form, HTTPException, UploadFile
from PIL import Image

from redes.aging.groups import GROUP_NAMES
from redes.aging.photo import crop_face
from redes.aging.render import Ager, gender_index
from redes.errors import RedesError
from redes.photo import decode_photo


def _png(face: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(face).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def add_aging_routes(app: FastAPI, ager: Ager | None, prefix: str = "/api/age") -> None:
    """`POST {prefix}`, rendering with `ager`; without one it answers 503 saying how to train it."""
    lock = threading.Lock()  # one rendering at a time, as for AirCalc's readings (redes.web.aircalc)

    @app.post(prefix, tags=["aging"])
    def age_photo(
        file: UploadFile,
        gender: Annotated[Literal["male", "female"], Form()],
        aligned: Annotated[bool, Form()] = False,
    ) -> dict[str, Any]:
        if ager is None:
            raise HTTPException(status_code=503, detail="no trained face ager here: run `dvc repro aging_train`")
        with lock:
            try:
                pixels = decode_photo(file.file, file.filename or "the uploaded file")
                face = crop_face(pixels, ager.image_size, aligned=aligned, name=file.filename or "the photo")
            except RedesError as error:
                raise HTTPException(status_code=400, detail=str(error)) from None
            rendered = ager.render_every_group(face[np.newaxis], np.array([gender_index(gender)]))[0]
        return {"groups": list(GROUP_NAMES), "face": _png(face), "ages": [_png(image) for image in rendered]}
