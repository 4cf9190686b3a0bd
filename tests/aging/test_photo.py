"""Faces found in photos and cropped as UTKFace crops them; photos without one face are refused by name."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from redes.aging.photo import crop_face, utkface_box
from redes.errors import RedesError
from tests.helpers.aging import photo_of, utkface_faces

MIRROR = os.environ.get("REDES_DATA_MIRROR")
needs_mirror = pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no real faces to find")


def _overlap(box: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """Intersection over union of two squares (left, top, side)."""
    width = max(0, min(box[0] + box[2], other[0] + other[2]) - max(box[0], other[0]))
    height = max(0, min(box[1] + box[2], other[1] + other[2]) - max(box[1], other[1]))
    return width * height / (box[2] ** 2 + other[2] ** 2 - width * height)


@needs_mirror
def test_a_face_in_a_photo_is_framed_as_utkface_framed_it() -> None:
    overlaps, found = [], []
    for face in utkface_faces(12):
        try:
            overlaps.append(_overlap(utkface_box(photo_of([face], scale=1.6)), (160, 160, 320)))
            found.append(face)
        except RedesError:
            continue  # the cascade misses about one face in twenty
    assert len(overlaps) >= 9 and np.median(overlaps) > 0.85 and min(overlaps) > 0.7, overlaps
    cropped = crop_face(photo_of(found[:1], scale=1.6), image_size=64)
    assert cropped.shape == (64, 64, 3) and cropped.dtype == np.uint8


@needs_mirror
def test_photos_without_exactly_one_face_are_refused_by_name() -> None:
    hand = np.asarray(Image.open(Path(MIRROR) / "mediapipe" / "hand_test_image.jpg").convert("RGB"))  # a hand, no face
    with pytest.raises(RedesError, match=r"no face found in hand\.jpg"):
        crop_face(hand, image_size=64, name="hand.jpg")
    faces = [face for face in utkface_faces(12) if _found(face)][:2]
    with pytest.raises(RedesError, match=r"2 faces found in group\.jpg"):
        crop_face(photo_of(faces, scale=1.0), image_size=64, name="group.jpg")


def _found(face: np.ndarray) -> bool:
    try:
        crop_face(photo_of([face], scale=1.0), image_size=16)
    except RedesError:
        return False
    return True


def test_an_aligned_crop_is_only_resized_and_greys_become_rgb() -> None:
    grey = np.tile(np.linspace(0, 65535, 100), (100, 1)).astype(np.uint16)  # a 16-bit grey ramp
    cropped = crop_face(grey, image_size=10, aligned=True)
    assert cropped.shape == (10, 10, 3) and cropped.dtype == np.uint8
    assert cropped[0, 0, 0] < 20 and cropped[0, -1, 0] > 235 and np.all(cropped[..., 0] == cropped[..., 2])


def test_a_blank_picture_has_no_face() -> None:
    with pytest.raises(RedesError, match=r"no face found in blank\.png"):
        crop_face(np.full((300, 300), 200, dtype=np.uint8), image_size=64, name="blank.png")
