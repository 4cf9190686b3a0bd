"""One normalisation for every symbol AirCalc sees: training images, photos and strokes alike.

MNIST was made this way (LeCun et al.): the ink's bounding box is scaled, keeping its aspect
ratio, to fit a 20x20 box (anti-aliased), and pasted into a 28x28 image so that the ink's centre
of mass sits at the centre. Keeping the aspect ratio is what keeps a minus a thin bar and a 1 a
thin stroke; stretching both to fill the box would make them the same blob. The recogniser
trains on the output of `normalize_symbol` and reads live input through it, so the two never
differ by a preprocessing step.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image
from scipy import ndimage

SIZE = 28
BOX = 20
INK_THRESHOLD = 0.05  # ink below this is paper texture or anti-aliasing fringe, not the symbol's extent


def ink_from_image(image: np.ndarray, ink: Literal["auto", "dark", "light"] = "auto") -> np.ndarray:
    """Ink in [0, 1] (1 = full ink, 0 = background) from a grey or RGB(A) image of any dtype.

    `dark` is pen on paper, `light` chalk on a board or MNIST-style white on black; `auto`
    takes the background to be the majority, as it is on any page with writing on it.
    The background level (the median) maps to 0 and the strongest ink to 1, so a photo's
    grey paper and faint pencil read like a scan.
    """
    grey = np.asarray(image, dtype=np.float32)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=-1)
    if grey.ndim != 2 or grey.size == 0:
        raise ValueError(f"expected a 2-D grey or 3-D colour image, got shape {np.shape(image)}")
    if ink == "auto":
        ink = "dark" if np.median(grey) > (grey.min() + grey.max()) / 2 else "light"
    signal = -grey if ink == "dark" else grey
    background = np.median(signal)
    span = signal.max() - background
    if span <= 0:
        return np.zeros_like(grey)
    return np.clip((signal - background) / span, 0.0, 1.0)


def normalize_symbol(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe: (28, 28) float32 ink in [0, 1], the ink fitted to 20x20 and centred by mass.

    Raises ValueError on an image without ink: there is no symbol to centre.
    """
    ink = np.asarray(ink, dtype=np.float32)
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        raise ValueError("the image holds no ink: nothing to normalise")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    scale = BOX / max(height, width)
    new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    # PIL's filters widen their support when shrinking, which is the anti-aliasing MNIST had.
    resized = np.asarray(Image.fromarray(crop, mode="F").resize((new_width, new_height), Image.Resampling.LANCZOS))
    resized = np.clip(resized, 0.0, None)
    peak = resized.max()
    if peak <= 0:
        raise ValueError("the image holds no ink: nothing to normalise")
    resized = np.minimum(resized / peak, 1.0)
    centre_row, centre_col = ndimage.center_of_mass(resized)
    # Whole-pixel offsets, as MNIST: the box stays crisp and inside the frame.
    top = int(np.clip(round(SIZE / 2 - centre_row), 0, SIZE - new_height))
    left = int(np.clip(round(SIZE / 2 - centre_col), 0, SIZE - new_width))
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    out[top : top + new_height, left : left + new_width] = resized
    return out
