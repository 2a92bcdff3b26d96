"""The web page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Books two seats end to end, by mouse and by keyboard, sees them sold after a reload, and
saves screenshots (desktop and phone width) as test artefacts: in ``$CINEMA_TEST_ARTIFACTS``
when set, else in the test's temporary folder. In CI (``CI=true``) a missing browser fails
the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_support import BUYER, DemoStore, Server, first_showing

CHROMIUM = os.environ.get("CINEMA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CINEMA_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT = 20


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs a headless browser: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() or shutil.which(path)):
            _unavailable(f"{path} is missing: apt-get install -y chromium chromium-driver")
            del package
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1200,1700",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CINEMA_TEST_ARTIFACTS", tmp_path / "artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait_for(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition, message=f"waited {WAIT} s for {what}")


def visible(driver: Any, element_id: str) -> bool:
    return bool(driver.find_element("id", element_id).is_displayed())


def seat(driver: Any, seat_id: str) -> Any:
    return driver.find_element("css selector", f'#seat-map .seat[data-seat="{seat_id}"]')


def open_showing(driver: Any, showing: dict[str, Any]) -> None:
    driver.find_element("id", "keyword").send_keys(showing["movie_title"])
    driver.find_element("id", "city").send_keys(showing["theater"]["city"])
    driver.find_element("id", "search-button").click()
    selector = f'button.showtime[data-showing="{showing["id"]}"]'
    button = wait_for(
        driver, lambda d: d.find_elements("css selector", selector), "the showtime button"
    )[0]
    button.click()
    wait_for(driver, lambda d: d.find_elements("css selector", "#seat-map svg"), "the seat map")


def test_book_two_seats_in_the_browser_and_see_them_sold(
    browser: Any,
    store: DemoStore,
    serve: Callable[..., Server],
    artefacts: Path,
) -> None:
    from selenium.webdriver.common.keys import Keys

    server = serve(store)
    api = httpx.Client(base_url=server.base_url, timeout=30)
    showing = first_showing(api, min_free=6)
    seats = api.get(f"/v1/showings/{showing['id']}/seats").json()["seats"]
    free = [s["id"] for s in seats if s["status"] == "available" and s["category"] == "standard"]
    stolen, first, second = free[0], free[1], free[2]

    browser.get(server.base_url + "/")
    open_showing(browser, showing)

    # A seat taken by someone else meanwhile: the page says so and shows it taken.
    seat(browser, stolen).click()
    taken = api.post("/v1/reservations", json={"showing_id": showing["id"], "seats": [stolen]})
    assert taken.status_code == 201
    browser.find_element("id", "hold-button").click()
    wait_for(browser, lambda d: visible(d, "problem"), "the error message")
    assert "taken meanwhile" in browser.find_element("id", "problem").text
    assert stolen in browser.find_element("id", "problem").text
    wait_for(
        browser,
        lambda d: seat(d, stolen).get_attribute("data-status") == "held",
        "the stolen seat drawn as held",
    )

    # One seat by mouse, one by keyboard, then hold them.
    seat(browser, first).click()
    seat(browser, second).send_keys(Keys.ENTER)
    assert browser.find_element("id", "selection").text == f"Selected: {first}, {second}"
    browser.find_element("id", "hold-button").click()
    wait_for(browser, lambda d: visible(d, "hold-step"), "the hold")
    assert f"{first}, {second}" in browser.find_element("id", "hold-info").text
    wait_for(
        browser,
        lambda d: ":" in d.find_element("id", "countdown").text,
        "the countdown",
    )
    assert seat(browser, first).get_attribute("data-status") == "held"
    assert "mine" in seat(browser, first).get_attribute("class")

    browser.find_element("id", "buyer-name").send_keys(BUYER["name"])
    browser.find_element("id", "buyer-email").send_keys(BUYER["email"])
    browser.find_element("id", "card").send_keys("4242 4242 4242 4242")
    browser.find_element("id", "buy-button").click()
    wait_for(browser, lambda d: visible(d, "done-step"), "the confirmation")
    assert f"{first}, {second}" in browser.find_element("id", "done-info").text
    images = browser.find_elements("css selector", "#qr-codes img")
    assert len(images) == 2
    wait_for(
        browser,
        lambda d: all(
            d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
            for i in images
        ),
        "the QR codes to load",
    )
    pdf = httpx.get(browser.find_element("id", "pdf-link").get_attribute("href"), timeout=30)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    browser.save_screenshot(str(artefacts / "web-page-booked.png"))

    # A reload shows the seats sold, to the page and to the CLI alike.
    browser.refresh()
    wait_for(browser, lambda d: d.find_elements("css selector", "#seat-map svg"), "the map")
    assert seat(browser, first).get_attribute("data-status") == "sold"
    assert seat(browser, second).get_attribute("data-status") == "sold"
    browser.save_screenshot(str(artefacts / "web-page-seat-map.png"))
    seat_map = store.cli_json("seats", showing["id"])
    sold = {s["id"] for s in seat_map["seats"] if s["status"] == "sold"}
    assert {first, second} <= sold

    # Readable at phone width: nothing wider than the screen but the seat map's own box.
    browser.set_window_size(390, 844)
    browser.refresh()
    wait_for(browser, lambda d: d.find_elements("css selector", "#seat-map svg"), "the map")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    browser.save_screenshot(str(artefacts / "web-page-phone.png"))
    api.close()
