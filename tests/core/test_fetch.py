"""Downloads against a real HTTP server on 127.0.0.1: good file, wrong hash, dropped connection, no server.

And what a failure advises: followed to the letter, it gets the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from redes.fetch import FetchError, candidate_locations, fetch, sha256_of
from redes.sources import SOURCES, Source, dataset_sources
from tests.helpers.advice import follow_download_advice

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        if self.path.endswith("/good.bin"):
            self._send(PAYLOAD)
        elif self.path.endswith("/tampered.bin"):
            self._send(PAYLOAD[:-1] + b"x")
        elif self.path.endswith("/dropped.bin"):
            # Promise the whole file, send a third of it, hang up.
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 3])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self.send_error(404)

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _url(httpd: ThreadingHTTPServer, name: str) -> str:
    host, port = httpd.server_address[:2]
    return f"http://{host}:{port}/files/{name}"


def _source(*urls: str, filename: str = "good.bin") -> Source:
    return Source("testset", filename, len(PAYLOAD), DIGEST, urls)


def _fetch(source: Source, destination: Path, mirror: str | None = None) -> Path:
    return fetch(source, destination, mirror, retries=2, backoff_seconds=0.0, timeout_seconds=5, show_progress=False)


def test_good_file_is_downloaded_and_verified(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    path = _fetch(_source(_url(server, "good.bin")), tmp_path)
    assert path.read_bytes() == PAYLOAD
    assert [p.name for p in tmp_path.iterdir()] == ["good.bin"]


def test_verified_file_is_not_downloaded_again(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    source = _source(_url(server, "good.bin"))
    _fetch(source, tmp_path)
    _fetch(source, tmp_path)
    assert len(server.hits) == 1  # type: ignore[attr-defined]


def test_wrong_hash_is_refused_and_nothing_stays(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError) as error:
        _fetch(_source(_url(server, "tampered.bin")), tmp_path)
    message = str(error.value)
    assert f"sha256 {DIGEST}" in message and "tampered.bin" in message
    assert "put the published file at <folder>/testset/good.bin" in message
    assert list(tmp_path.iterdir()) == []


def test_dropped_connection_is_retried_then_reported(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"attempt 2/2: connection dropped after \d+ bytes"):
        _fetch(_source(_url(server, "dropped.bin")), tmp_path)
    assert len(server.hits) == 2  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []


def test_falls_through_to_the_next_url(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    source = _source(_url(server, "dropped.bin"), _url(server, "missing.bin"), _url(server, "good.bin"))
    assert _fetch(source, tmp_path).read_bytes() == PAYLOAD


def test_no_server_at_all(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as error:
        _fetch(_source(f"http://127.0.0.1:{port}/good.bin"), tmp_path)
    assert "refused" in str(error.value).lower()
    assert "REDES_DATA_MIRROR" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_mirror_folder_comes_first(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "testset").mkdir(parents=True)
    (mirror / "testset" / "good.bin").write_bytes(PAYLOAD)
    _fetch(_source(_url(server, "good.bin")), tmp_path / "raw", mirror=str(mirror))
    assert server.hits == []  # type: ignore[attr-defined]


def test_downloaded_file_gets_the_mode_the_umask_gives(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "testset").mkdir(parents=True)
    (mirror / "testset" / "good.bin").write_bytes(PAYLOAD)
    previous = os.umask(0o027)  # neither the 0600 of a temporary file nor the usual 0644
    try:
        path = _fetch(_source(), tmp_path / "raw", mirror=str(mirror))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_advice_followed_to_the_letter_gets_the_file(tmp_path: Path) -> None:
    """A mirror folder that lacks the file: the advice says where to put it, and that works under DVC too."""
    published = tmp_path / "published.bin"
    published.write_bytes(PAYLOAD)
    mirror, raw = tmp_path / "mirror", tmp_path / "raw"
    mirror.mkdir()
    with pytest.raises(FetchError) as error:
        _fetch(_source(), raw, mirror=str(mirror))
    variables = follow_download_advice(str(error.value), published, tmp_path / "chosen")
    shutil.rmtree(raw, ignore_errors=True)  # what DVC does to a stage's outputs before running it again
    path = _fetch(_source(), raw, mirror=variables.get("REDES_DATA_MIRROR", str(mirror)))
    assert path.read_bytes() == PAYLOAD


def test_utkface_without_a_mirror_says_where_to_get_the_archive_and_where_to_put_it(tmp_path: Path) -> None:
    """No URL serves UTKFace unattended: the advice names the authors' page, then the mirror layout."""
    (utkface,) = dataset_sources("utkface")
    with pytest.raises(FetchError) as error:
        _fetch(utkface, tmp_path / "raw", mirror=None)
    advice = str(error.value)
    assert "https://susanqq.github.io/UTKFace/" in advice and "UTKFace.tar.gz" in advice
    assert "<folder>/utkface/UTKFace.tar.gz" in advice and "REDES_DATA_MIRROR=<folder>" in advice


def test_mirror_base_url_is_laid_out_by_dataset(server: ThreadingHTTPServer, tmp_path: Path) -> None:
    base = _url(server, "").rsplit("/files/", 1)[0]
    assert _fetch(_source(), tmp_path, mirror=base + "/").read_bytes() == PAYLOAD
    assert server.hits == ["/testset/good.bin"]  # type: ignore[attr-defined]


def test_every_published_source_has_a_mirror_location() -> None:
    for sources in SOURCES.values():
        for source in sources:
            assert len(source.sha256) == 64 and source.size > 0
            assert candidate_locations(source, "/m")[0] == f"/m/{source.dataset}/{source.filename}"


def test_catalog_override_replaces_hashes_only(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text('{"mnist": {"t10k-labels-idx1-ubyte.gz": {"sha256": "ab", "size": 3}}}')
    overridden = {s.filename: s for s in dataset_sources("mnist", catalog)}
    assert overridden["t10k-labels-idx1-ubyte.gz"].sha256 == "ab"
    assert overridden["train-images-idx3-ubyte.gz"] == SOURCES["mnist"][0]


def _zip(path: Path, folder: str, members: dict[str, bytes], extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in {**members, **extra}.items():
            archive.writestr(folder + name, data)
    return path


MEMBERS = {"RawData/labels.txt": b"1 1 5 1 128\n", "RawData/acc_exp01_user01.txt": b"0.1 0.2 0.3\n" * 200}


def _zip_source(published: Path, mirror_name: str) -> Source:
    """A zip source as the mirror publishes it, with the manifest of its members."""
    manifest = tuple((name, hashlib.sha256(data).hexdigest()) for name, data in MEMBERS.items())
    return Source("zipset", mirror_name, published.stat().st_size, sha256_of(published), (), members=manifest)


def test_another_container_with_the_published_members_is_accepted(tmp_path: Path) -> None:
    """The publisher's archive holds more files, in another folder, than the mirror's zip: same data."""
    source = _zip_source(_zip(tmp_path / "mirror.zip", "HAPT Data Set/", MEMBERS, {}), "data.zip")
    publisher = tmp_path / "publisher" / "zipset"
    publisher.mkdir(parents=True)
    _zip(publisher / "data.zip", "", MEMBERS, {"Train/X_train.txt": b"1 2 3\n"})
    path = _fetch(source, tmp_path / "raw", mirror=str(tmp_path / "publisher"))
    assert path.read_bytes() == (publisher / "data.zip").read_bytes()
    assert _fetch(source, tmp_path / "raw", mirror=str(tmp_path / "nowhere")) == path  # verified in place


def test_a_container_with_a_changed_member_is_refused(tmp_path: Path) -> None:
    source = _zip_source(_zip(tmp_path / "mirror.zip", "", MEMBERS, {}), "data.zip")
    publisher = tmp_path / "publisher" / "zipset"
    publisher.mkdir(parents=True)
    _zip(publisher / "data.zip", "", {**MEMBERS, "RawData/labels.txt": b"1 1 4 1 128\n"}, {})
    with pytest.raises(FetchError, match=r"RawData/labels\.txt has a different sha256"):
        _fetch(source, tmp_path / "raw", mirror=str(tmp_path / "publisher"))
    assert not (tmp_path / "raw" / "data.zip").exists()
