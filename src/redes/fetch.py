"""Download a published file, verified: mirror first, then public URLs, retries, atomic write.

A file lands in its destination only whole and with the expected sha256: bytes go to
a temporary file next to it and are renamed into place after verification, so an
interrupted or corrupt download never leaves anything half-written behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

from tqdm import tqdm

from redes.errors import RedesError
from redes.files import zip_folder
from redes.sources import Source

CHUNK_BYTES = 1 << 20


class FetchError(RedesError, RuntimeError):
    """No source gave the file with the expected hash; the message says what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def candidate_locations(source: Source, mirror: str | None) -> list[str]:
    """Where to look, in order: the mirror (a folder or base URL laid out as <dataset>/<file>), then the public URLs."""
    locations = []
    if mirror:
        if "://" in mirror:
            locations.append(f"{mirror.rstrip('/')}/{source.dataset}/{source.filename}")
        else:
            locations.append(str(Path(mirror) / source.dataset / source.filename))
    return locations + list(source.urls)


def fetch(
    source: Source,
    destination_dir: Path,
    mirror: str | None = None,
    *,
    retries: int = 3,
    timeout_seconds: float = 60.0,
    backoff_seconds: float = 1.0,
    show_progress: bool = True,
) -> Path:
    """Put `source` into `destination_dir` and return its path; skip the work if it is already there and verified."""
    destination = destination_dir / source.filename
    if destination.exists() and _problem(destination, source, sha256_of(destination)) is None:
        return destination
    destination_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for location in candidate_locations(source, mirror):
        for attempt in range(1, retries + 1):
            try:
                _copy_verified(location, source, destination, timeout_seconds, show_progress)
                return destination
            except _CorruptDownload as error:  # the same bytes would come again: next location
                failures.append(f"{location}: {error}")
                break
            except FileNotFoundError:
                failures.append(f"{location}: no such file")
                break
            except urllib.error.HTTPError as error:
                failures.append(f"{location}: HTTP {error.code} {error.reason}")
                if error.code < 500:
                    break
            except (OSError, http.client.HTTPException) as error:  # network: worth another try
                failures.append(f"{location}: attempt {attempt}/{retries}: {_reason(error)}")
            if attempt < retries:
                time.sleep(backoff_seconds * attempt)
    raise FetchError(_advice(source, destination, mirror, failures))


class _CorruptDownload(Exception):
    pass


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    if isinstance(error, http.client.IncompleteRead):
        return f"connection dropped after {len(error.partial)} bytes"
    return f"{type(error).__name__}: {error}"


def _open(location: str, timeout_seconds: float):
    if "://" in location:
        response = urllib.request.urlopen(location, timeout=timeout_seconds)  # noqa: S310 (https/file/http only)
        length = response.headers.get("Content-Length")
        return response, int(length) if length else None
    path = Path(location)
    return path.open("rb"), path.stat().st_size


def _copy_verified(
    location: str, source: Source, destination: Path, timeout_seconds: float, show_progress: bool
) -> None:
    stream, total = _open(location, timeout_seconds)
    # Not tempfile.mkstemp: it creates the file 0600, and a downloaded file should get the mode the
    # umask gives any new file (0644 under umask 022). A random name and "x" keep it our own.
    temporary = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.part")
    digest = hashlib.sha256()
    received = 0
    try:
        with (
            stream,
            temporary.open("xb") as out,
            tqdm(
                total=total or source.size,
                unit="B",
                unit_scale=True,
                desc=f"{source.dataset}/{source.filename}",
                disable=not show_progress,
                leave=False,
            ) as progress,
        ):
            for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                progress.update(len(chunk))
        if total is not None and received < total:
            raise http.client.IncompleteRead(b"\0" * received, total - received)
        problem = _problem(temporary, source, digest.hexdigest())
        if problem is not None:
            raise _CorruptDownload(problem)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def _problem(path: Path, source: Source, sha256: str) -> str | None:
    """None if `path` (whose hash is `sha256`) holds the source's data; otherwise what is wrong with it."""
    size = path.stat().st_size
    if size == source.size and sha256 == source.sha256:
        return None
    mismatch = f"got {size} bytes with sha256 {sha256}, expected {source.size} bytes with sha256 {source.sha256}"
    if not source.members:
        return mismatch
    member_problem = _members_problem(path, source.members)
    return None if member_problem is None else f"{mismatch}; nor are its members the published ones: {member_problem}"


def _members_problem(path: Path, members: tuple[tuple[str, str], ...]) -> str | None:
    """None if the zip at `path` holds every listed member with its sha256, below one common folder."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            anchor = members[0][0]
            folder = zip_folder(names, anchor)
            if folder is None:
                return f"no {anchor} inside"
            for member, expected in members:
                if folder + member not in names:
                    return f"{member} is missing"
                if hashlib.sha256(archive.read(folder + member)).hexdigest() != expected:
                    return f"{folder + member} has a different sha256"
    except zipfile.BadZipFile:
        return "not a zip file"
    return None


def _advice(source: Source, destination: Path, mirror: str | None, failures: list[str]) -> str:
    tried = "\n".join(f"  - {failure}" for failure in failures) or "  (no location to try)"
    # A mirror, never the destination: DVC deletes a stage's outputs before running it, so a file
    # put into data/raw would be removed unseen and the stage would fail the same way again.
    if mirror and "://" not in mirror:
        folder, which = str(Path(mirror).resolve()), "the folder REDES_DATA_MIRROR names now"
    else:
        folder, which = "<folder>", "a folder of your choice, outside data/"
    where = f"Where to get it: {source.where_to_get}.\n" if source.where_to_get else ""
    return (
        f"could not get {source.dataset}/{source.filename} "
        f"({source.size} bytes, sha256 {source.sha256}).\nTried:\n{tried}\n{where}"
        f"Fix: put the published file at {folder}/{source.dataset}/{source.filename} ({folder}: {which}), "
        f"set REDES_DATA_MIRROR={folder} and run the stage again. Not into {destination.parent}: "
        "DVC deletes a stage's outputs before running it."
    )


def fetch_all(sources: tuple[Source, ...], destination_dir: Path, mirror: str | None = None) -> list[Path]:
    """Fetch every file of a dataset, in order; the first failure stops with its advice."""
    return [fetch(source, destination_dir, mirror) for source in sources]
