"""The IDX file format of MNIST (LeCun et al.), read and written by hand.

An IDX file is a big-endian header (two zero bytes, a type code, the number of
dimensions, then each dimension as uint32) followed by the values, here uint8.
Files may be gzip-compressed, as published.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from redes.errors import RedesError

UINT8 = 0x08


class IdxFormatError(RedesError, ValueError):
    """A file is not the IDX it should be; the message names the file and the problem."""


def read_idx(path: Path, expected_ndim: int | None = None) -> np.ndarray:
    """Parse an IDX file of uint8 values, checking its magic number and size."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise IdxFormatError(
            f"{path}: cannot decompress ({error}); the file is corrupt or truncated, delete it and download again"
        ) from None
    if len(data) < 4:
        raise IdxFormatError(f"{path}: {len(data)} bytes, too short for an IDX header")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code != UINT8 or ndim == 0:
        raise IdxFormatError(
            f"{path}: magic number 0x{data[:4].hex()} is not that of a uint8 IDX file (0x000008NN); "
            "wrong or corrupt file"
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise IdxFormatError(f"{path}: {ndim} dimensions, expected {expected_ndim}")
    header_bytes = 4 + 4 * ndim
    if len(data) < header_bytes:
        raise IdxFormatError(f"{path}: header cut short ({len(data)} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header_bytes])
    expected = header_bytes + int(np.prod(shape))
    if len(data) != expected:
        raise IdxFormatError(
            f"{path}: {len(data)} bytes, but its header {shape} says {expected}; the file is truncated or corrupt"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_bytes).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as IDX (gzip-compressed if the name ends in .gz)."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX writer takes uint8 arrays, got {array.dtype}")
    payload = struct.pack(">HBB", 0, UINT8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(payload, mtime=0) if path.suffix == ".gz" else payload)
