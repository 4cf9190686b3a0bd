"""The face-aging page and its API: a face uploaded, rendered at every age group, shown in a real browser."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from redes.aging.groups import GROUP_NAMES
from redes.aging.render import Ager
from redes.aircalc.recognize import Recognizer
from redes.web import create_app
from tests.helpers.aging import SIZE, photo_of, utkface_faces
from tests.helpers.browser import WAIT_SECONDS, assert_no_page_errors
from tests.helpers.synthetic import synthetic_face
from tests.web.conftest import Server

MIRROR = os.environ.get("REDES_DATA_MIRROR")


@pytest.fixture(scope="module")
def ager(ager_folder: Path) -> Ager:
    return Ager.load(ager_folder)


@pytest.fixture(scope="module")
def client(recognizer: Recognizer, ager: Ager) -> TestClient:
    return TestClient(create_app(recognizer, ager=ager))


def _face_png(path: Path) -> Path:
    Image.fromarray(synthetic_face(40, 1, np.random.default_rng(0))).save(path)
    return path


def _decoded(png: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))))


def test_an_aligned_face_comes_back_at_every_age_as_the_ager_renders_it(
    client: TestClient, ager: Ager, tmp_path: Path
) -> None:
    png = _face_png(tmp_path / "face.png")
    with png.open("rb") as file:
        response = client.post(
            "/api/age", files={"file": ("face.png", file, "image/png")}, data={"gender": "female", "aligned": "true"}
        )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["groups"] == list(GROUP_NAMES) and len(answer["ages"]) == len(GROUP_NAMES)
    face = _decoded(answer["face"])
    assert face.shape == (SIZE, SIZE, 3)
    expected = ager.render_every_group(face[np.newaxis], np.array([1]))[0]
    assert np.array_equal(np.stack([_decoded(image) for image in answer["ages"]]), expected)


@pytest.mark.skipif(not MIRROR, reason="REDES_DATA_MIRROR is not set: no real faces to find")
def test_a_face_is_found_in_a_photo_and_a_photo_without_one_is_refused(client: TestClient, tmp_path: Path) -> None:
    Image.fromarray(photo_of(utkface_faces(1), scale=1.6)).save(tmp_path / "me.jpg")
    with (tmp_path / "me.jpg").open("rb") as file:
        found = client.post("/api/age", files={"file": ("me.jpg", file, "image/jpeg")}, data={"gender": "male"})
    assert found.status_code == 200 and len(found.json()["ages"]) == 10
    with (Path(MIRROR) / "mediapipe" / "hand_test_image.jpg").open("rb") as file:
        hand = client.post("/api/age", files={"file": ("hand.jpg", file, "image/jpeg")}, data={"gender": "male"})
    assert hand.status_code == 400 and hand.json()["error"].startswith("no face found in hand.jpg")


def test_bad_requests_and_a_missing_ager_are_answered_in_json(
    client: TestClient, recognizer: Recognizer, tmp_path: Path
) -> None:
    png = _face_png(tmp_path / "face.png")
    with png.open("rb") as file:
        wrong = client.post("/api/age", files={"file": ("face.png", file, "image/png")}, data={"gender": "other"})
    assert wrong.status_code == 422 and wrong.json()["error"].startswith("gender:")
    text = client.post("/api/age", files={"file": ("notes.txt", b"hello", "text/plain")}, data={"gender": "male"})
    assert text.status_code == 400 and text.json()["error"].startswith("notes.txt is not an image")
    untrained = TestClient(create_app(recognizer))
    with png.open("rb") as file:
        missing = untrained.post("/api/age", files={"file": ("face.png", file, "image/png")}, data={"gender": "male"})
    assert missing.status_code == 503 and "dvc repro aging_train" in missing.json()["error"]


def test_the_page_shows_an_uploaded_face_at_every_age(browser, server: Server, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    png = _face_png(tmp_path / "face.png")
    browser.get(server.url)  # AirCalc's page leads to face aging's
    browser.find_element("link text", "Face aging, the course's other project to try, is here.").click()
    WebDriverWait(browser, WAIT_SECONDS).until(lambda driver: driver.current_url == f"{server.url}/age")
    browser.find_element("id", "photo").send_keys(str(png))
    browser.find_element("id", "aligned").click()
    browser.find_element("id", "render").click()
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: len(driver.find_elements("css selector", "#ages img")) == 11
    )
    captions = [caption.text for caption in browser.find_elements("css selector", "#ages figcaption")]
    assert captions == ["as given", *GROUP_NAMES]
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda driver: all(
            driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == SIZE
            for image in driver.find_elements("css selector", "#ages img")
        )
    )
    assert not browser.find_element("id", "error").is_displayed()
    assert_no_page_errors(browser)
