"""Debian's Chromium, headless, through its chromedriver: the web pages and the report as a browser shows them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_SECONDS = 20


def chromium(extra_arguments: tuple[str, ...] = ()) -> Iterator:
    """Headless Debian Chromium through its chromedriver; the test is skipped, naming the package, without them."""
    needed = (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER))
    missing = [f"{package} ({path})" for package, path in needed if not path.exists()]
    if missing:
        pytest.skip(f"needs Debian's {' and '.join(missing)}: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    # Two device pixels per CSS pixel, as on a phone: the pad must map between the two.
    arguments = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900")
    for argument in (*arguments, "--force-device-scale-factor=2", *extra_arguments):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The system's driver, named: Selenium Manager is never asked to find (or download) one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def assert_no_page_errors(browser) -> None:
    """No script error, failed load or blocked resource (the page's security policy) in the console."""
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
