"""Photos as pixel arrays: what `redes aircalc image`, `redes age` and the web app's uploads decode.

Pillow reads any format it knows. A phone stores a portrait photo sideways with an EXIF tag
saying how to turn it, so the tag is applied; transparent pixels are laid on white, as an image
viewer shows them (a drawing exported with a transparent background reads as ink on paper).
A file that is not an image, is damaged, or has more pixels than fit in memory comfortably is a
`RedesError` that names it and says which.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from redes.errors import RedesError

# A 48-megapixel phone photo is read; each pixel costs about 30 bytes on its way to ink, so a
# bigger image (or a small file that decompresses to a huge one) would take gigabytes.
MAX_PIXELS = 50_000_000
# Modes whose pixels are grey or RGB values as they are; others (palette, CMYK, 1-bit) are converted to RGB.
_DIRECT_MODES = {"L", "RGB", "I", "I;16", "F"}


def read_photo(path: Path, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The pixels of the image file at `path` (grey (h, w) or RGB (h, w, 3)), named in any error."""
    try:
        with path.open("rb") as file:
            return decode_photo(file, str(path), max_pixels=max_pixels)
    except FileNotFoundError:
        raise RedesError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RedesError(f"{path} is a folder, not an image file") from None
    except OSError as error:  # only opening the file gets here: decode_photo turns its own errors into RedesError
        raise RedesError(f"{path} cannot be opened: {error.strerror or error}") from None


def decode_photo(file: BinaryIO, name: str, *, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The pixels of an image read from an open binary file; `name` says which image in an error."""
    try:
        with Image.open(file) as image:
            if image.width * image.height > max_pixels:
                raise RedesError(
                    f"{name} is {image.width}×{image.height} pixels; at most {max_pixels / 1e6:g} megapixels "
                    "are read: scale it down"
                )
            image.load()
            return _pixels(ImageOps.exif_transpose(image))
    except UnidentifiedImageError:
        raise RedesError(f"{name} is not an image: not PNG, JPEG or any other format Pillow reads") from None
    except Image.DecompressionBombError:
        raise RedesError(f"{name} has more pixels than an image to read should; scale it down") from None
    # Pillow reports a truncated or corrupt file by any of these, depending on the format and where it breaks.
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise RedesError(f"{name} is a damaged image that cannot be decoded ({error})") from None


def _pixels(image: Image.Image) -> np.ndarray:
    if image.has_transparency_data:
        white = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    elif image.mode not in _DIRECT_MODES:
        image = image.convert("RGB")
    return np.asarray(image)
