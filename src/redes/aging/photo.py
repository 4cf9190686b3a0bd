"""A face found in a photo and cropped the way UTKFace's faces were: what `redes age` and the web page age.

UTKFace's faces are aligned crops of the whole head. OpenCV's frontal-face cascade (bundled with
the opencv-contrib-python that mediapipe brings) boxes a face more tightly and higher, so the box
is mapped to a UTKFace crop by constants measured on UTKFace itself: on 593 of its faces, each laid
on a grey canvas, the cascade's box was 1.02 times the crop's side (quartiles 0.97-1.08), its
left edge 0.02 and its top 0.095 of the side outside the crop (95 % of the faces found). A crop
that runs past the photo's edge is filled by repeating the edge. A photo that already is such a
crop needs no search (`aligned`): a small face that fills its picture may not be found at all.
"""

from __future__ import annotations

import cv2
import numpy as np

from redes.errors import RedesError

# The cascade's box relative to the UTKFace crop around the same face (measured; see above).
BOX_SIDE_PER_CROP_SIDE = 1.02
BOX_LEFT_IN_CROP = -0.02
BOX_TOP_IN_CROP = -0.095
SMALLEST_FACE = 40  # pixels; the cascade's smallest window is 24


def _rgb(pixels: np.ndarray) -> np.ndarray:
    """RGB uint8 from what `redes.photo.read_photo` gives: grey or RGB, 8-bit, 16-bit or float."""
    if pixels.dtype != np.uint8:  # scaled to 8 bits as an image viewer shows them
        pixels = (255.0 * pixels.astype(np.float64) / max(float(pixels.max()), 1.0)).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., np.newaxis], 3, axis=-1)
    return np.ascontiguousarray(pixels[..., :3])


def find_faces(pixels: np.ndarray) -> list[tuple[int, int, int]]:
    """Boxes (left, top, side) of the frontal faces OpenCV's cascade finds in an RGB or grey photo."""
    grey = cv2.cvtColor(_rgb(pixels), cv2.COLOR_RGB2GRAY)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    boxes = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(SMALLEST_FACE, SMALLEST_FACE))
    return [(int(x), int(y), int(max(w, h))) for x, y, w, h in boxes]


def utkface_box(pixels: np.ndarray, name: str = "the photo") -> tuple[int, int, int]:
    """(left, top, side) of the UTKFace-style crop around the one face of a photo; may run past its edges.

    No face or several faces is a RedesError naming the photo.
    """
    faces = find_faces(pixels)
    if not faces:
        raise RedesError(
            f"no face found in {name}: it needs one face seen from the front, at least {SMALLEST_FACE} pixels "
            "wide; a photo already cropped to the face needs no search: mark it as aligned"
        )
    if len(faces) > 1:
        raise RedesError(f"{len(faces)} faces found in {name}; crop it to the one face to age")
    left, top, box_side = faces[0]
    side = round(box_side / BOX_SIDE_PER_CROP_SIDE)
    return round(left - BOX_LEFT_IN_CROP * side), round(top - BOX_TOP_IN_CROP * side), side


def crop_face(pixels: np.ndarray, image_size: int, *, aligned: bool = False, name: str = "the photo") -> np.ndarray:
    """The one face of a photo as a UTKFace-style crop, image_size x image_size RGB uint8.

    `aligned`: the photo already is such a crop; it is only resized.
    """
    rgb = _rgb(pixels)
    if not aligned:
        left, top, side = utkface_box(rgb, name)
        pad = max(0, -left, -top, left + side - rgb.shape[1], top + side - rgb.shape[0])
        padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        rgb = padded[top + pad : top + pad + side, left + pad : left + pad + side]
    return cv2.resize(rgb, (image_size, image_size), interpolation=cv2.INTER_AREA)
