"""AirCalc's web API in-process: readings of strokes and photos, and every bad request answered in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from redes.aircalc.recognize import Recognizer
from redes.web import create_app
from tests.helpers.aircalc import write_expression

# "7-1" as a pen writes it: a 7 in one stroke, a minus, a 1 in two strokes; pad pixels.
SEVEN_MINUS_ONE = [
    [[110, 40], [170, 40], [134, 140]],
    [[210, 90], [260, 90]],
    [[300, 56], [314, 40]],
    [[314, 40], [314, 140]],
]
WRITTEN_GROUPS = [[0], [1], [2, 3]]


@pytest.fixture(scope="module")
def client(recognizer: Recognizer) -> TestClient:
    return TestClient(create_app(recognizer))


def test_strokes_are_read_with_one_box_per_written_symbol_in_pad_pixels(
    client: TestClient, recognizer: Recognizer
) -> None:
    response = client.post("/api/aircalc/strokes", json={"strokes": SEVEN_MINUS_ONE})
    assert response.status_code == 200
    reading = response.json()
    expected = recognizer.read_strokes([np.array(stroke, dtype=float) for stroke in SEVEN_MINUS_ONE]).to_dict()
    assert len(reading["symbols"]) == len(WRITTEN_GROUPS)
    assert reading["expression"] == expected["expression"]
    assert [symbol["token"] for symbol in reading["symbols"]][1] == "-"
    assert reading["value"] == expected["value"] and reading["error"] == expected["error"]
    for symbol, members in zip(reading["symbols"], WRITTEN_GROUPS, strict=True):
        points = np.concatenate([SEVEN_MINUS_ONE[i] for i in members])
        x0, y0, x1, y1 = symbol["box"]
        # The box holds its strokes' points, with no more room around them than the pen's width.
        assert (x0 <= points[:, 0].min() and points[:, 0].max() < x1) and (y0 <= points[:, 1].min() < y1)
        assert points[:, 0].min() - x0 < 12 and y1 - points[:, 1].max() < 12


def test_a_photo_upload_reads_as_the_recogniser_reads_its_pixels(
    client: TestClient, recognizer: Recognizer, tmp_path: Path
) -> None:
    png = write_expression(tmp_path / "sum.png", ["1", "2", "÷", "8"], pools_seed=5, seed=6)
    with png.open("rb") as file:
        response = client.post("/api/aircalc/image", files={"file": ("sum.png", file, "image/png")})
    assert response.status_code == 200
    assert response.json() == recognizer.read_image(np.asarray(Image.open(png))).to_dict()
    assert response.json()["expression"] == "12÷8" and response.json()["value"]["fraction"] == "3/2"


def test_a_file_that_is_no_image_or_a_damaged_one_is_refused_saying_so(client: TestClient, tmp_path: Path) -> None:
    text = client.post("/api/aircalc/image", files={"file": ("notes.txt", b"7 + 1 = 8\n", "image/png")})
    assert text.status_code == 400
    assert "notes.txt is not an image" in text.json()["error"]
    png = write_expression(tmp_path / "sum.png", ["4", "+", "2"], pools_seed=1, seed=2).read_bytes()
    damaged = client.post("/api/aircalc/image", files={"file": ("cut.png", png[: len(png) // 2], "image/png")})
    assert damaged.status_code == 400
    assert "cut.png is a damaged image" in damaged.json()["error"]


def test_malformed_strokes_are_refused_saying_where(client: TestClient) -> None:
    cases = {
        "strokes[0][1]": {"strokes": [[[1, 2], [3, 4, 5]]]},  # a point of three numbers
        "strokes[0][0][1]": {"strokes": [[[1, -2]]]},  # outside the pad
        "strokes[0]": {"strokes": [[]]},  # a stroke without points
        "strokes": {"strokes": [[[1, 2]]] * 101},  # more strokes than any expression takes
    }
    for place, body in cases.items():
        response = client.post("/api/aircalc/strokes", json=body)
        assert response.status_code == 422, place
        assert response.json()["error"].startswith(f"{place}:"), response.json()
    not_json = client.post("/api/aircalc/strokes", content=b"{strokes", headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and "JSON" in not_json.json()["error"]
    nothing = client.post("/api/aircalc/strokes", json={})
    assert nothing.status_code == 422 and nothing.json()["error"].startswith("strokes: Field required")


def test_a_body_over_the_limit_is_refused_whether_its_length_is_announced_or_not(recognizer: Recognizer) -> None:
    client = TestClient(create_app(recognizer, max_body_bytes=1000))
    big = json.dumps({"strokes": [[[float(i), float(i)] for i in range(200)]]}).encode()
    announced = client.post("/api/aircalc/strokes", content=big, headers={"content-type": "application/json"})
    assert announced.status_code == 413
    assert announced.json() == {"error": "the request is too large: at most 1000 bytes are read"}
    # Chunked, with no Content-Length: counted as it arrives.
    streamed = client.post(
        "/api/aircalc/strokes", content=iter([big[:600], big[600:]]), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and "too large" in streamed.json()["error"]
    upload = client.post("/api/aircalc/image", files={"file": ("big.png", b"\0" * 2000, "image/png")})
    assert upload.status_code == 413
    small = client.post("/api/aircalc/strokes", json={"strokes": SEVEN_MINUS_ONE})
    assert small.status_code == 200


def test_too_many_requests_from_one_address_are_refused_until_the_minute_is_over(recognizer: Recognizer) -> None:
    client = TestClient(create_app(recognizer, requests_per_minute=3))
    answers = [client.post("/api/aircalc/strokes", json={"strokes": [[[10, 10], [10, 60]]]}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    refused = client.post("/api/aircalc/image", files={"file": ("x.png", b"x", "image/png")})  # shared by all routes
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("too many requests: at most 3 per 1 minute")
    assert refused.headers["retry-after"] == "60"
    assert client.get("/").status_code == 200  # the page itself is not counted


def test_the_page_and_its_files_are_served_for_offline_use(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for element in ('id="pad"', 'id="expression"', 'id="result"', 'id="error"', 'id="undo"', 'id="clear"'):
        assert element in page.text
    assert "://" not in page.text  # nothing fetched from elsewhere
    for name, kind in (("aircalc.js", "javascript"), ("aircalc.css", "text/css")):
        served = client.get(f"/static/{name}")
        assert served.status_code == 200 and kind in served.headers["content-type"]
    assert client.get("/nowhere").json() == {"error": "Not Found"}
