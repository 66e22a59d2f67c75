"""The web app in a real headless Chromium (Debian's `chromium` driven by Selenium through
Debian's `chromium-driver`; nothing is downloaded), served by uvicorn over HTTP like
`producer-discovery web` serves it."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from producer_discovery.db.cluster import free_port
from producer_discovery.sandbox.web_catalogue import seed_dead_letter
from producer_discovery.settings import Settings
from producer_discovery.web.app import create_app
from tests.support.database import Database, one
from tests.web.conftest import TOKEN

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("chromedriver"), reason="needs Debian's chromium-driver"),
]


@pytest.fixture
def live_server(database_url: str, catalogue: dict[str, str]) -> Iterator[str]:
    """The app served by uvicorn on a free port; its base URL."""
    app = create_app(Settings(web_operator_token=SecretStr(TOKEN)), database_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium."""
    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def heading(browser: Any, text: str) -> None:
    """Wait until the page's h1 reads `text` (a click's navigation may still be under way)."""
    WebDriverWait(browser, 10).until(
        lambda driver: driver.find_element(By.TAG_NAME, "h1").text == text
    )


def sign_in(browser: Any, base: str) -> None:
    browser.get(f"{base}/login")
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
    browser.find_element(By.XPATH, "//button[contains(., 'Sign out')]")


def test_search_then_artist_then_producer_then_credits(live_server: str, browser: Any) -> None:
    """A visitor searches a misspelt name, opens the artist, its producer and a credit's evidence."""
    browser.get(live_server)
    box = browser.find_element(By.ID, "q")
    box.send_keys("beyonce lumier")
    box.submit()
    browser.find_element(By.LINK_TEXT, "Beyoncé Lumière").click()
    heading(browser, "Beyoncé Lumière")
    assert (
        "Sunrise" in browser.find_element(By.ID, "albums-heading").find_element(By.XPATH, "..").text
    )
    browser.find_element(By.CSS_SELECTOR, "table.data a[href^='/producers/']").click()
    heading(browser, "Mara Quill")
    credits = browser.find_element(By.ID, "credits-heading").find_element(By.XPATH, "..")
    assert "Golden Hour" in credits.text
    assert "Static Bloom" in credits.text
    summary = credits.find_element(By.XPATH, ".//summary[starts-with(., 'Evidence')]")
    summary.click()
    assert "musicbrainz" in summary.find_element(By.XPATH, "..").text


def test_operator_starts_a_discovery_and_sees_it_on_the_dashboard(
    live_server: str, browser: Any
) -> None:
    """Signed in, the operator queues an artist from the home page form; the dashboard shows it waiting."""
    sign_in(browser, live_server)
    browser.get(live_server)
    browser.find_element(By.ID, "discover-value").send_keys("Juno Vale")
    browser.find_element(By.XPATH, "//button[.='Queue discovery']").click()
    heading(browser, "Pipeline dashboard")
    assert "Queued artist “Juno Vale”" in browser.find_element(By.CSS_SELECTOR, ".notice.ok").text
    row = browser.find_element(By.XPATH, "//tr[th/code[.='artist_discovery']]")
    assert row.find_elements(By.TAG_NAME, "td")[0].text == "1"


def test_operator_replays_a_dead_letter(live_server: str, browser: Any, db: Database) -> None:
    """The dead letter's Replay button sends it back to its stage; the table empties."""
    dlq_id = seed_dead_letter(db, "Lost Artist")
    sign_in(browser, live_server)
    browser.get(f"{live_server}/dashboard")
    assert (
        "Lost Artist"
        in browser.find_element(By.ID, "dlq-heading").find_element(By.XPATH, "..").text
    )
    browser.find_element(By.CSS_SELECTOR, f"form[action$='/{dlq_id}/replay'] button").click()
    assert (
        "Replayed artist_discovery_dlq" in browser.find_element(By.CSS_SELECTOR, ".notice.ok").text
    )
    assert "No dead letters." in browser.page_source
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 1


def test_anonymous_visitor_sees_no_email(
    live_server: str, browser: Any, catalogue: dict[str, str]
) -> None:
    """A visitor on a producer's page sees the socials but no e-mail and no contact section."""
    browser.get(f"{live_server}/producers/{catalogue['Mara Quill']}")
    heading(browser, "Mara Quill")
    assert "x.com/maraquill" in browser.page_source
    assert "@quill.example" not in browser.page_source
    assert browser.find_elements(By.ID, "contact-heading") == []


def test_keyboard_alone_reaches_search(live_server: str, browser: Any) -> None:
    """Tab from the top reaches the skip link first; the search box is focusable and labelled."""
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    box = browser.find_element(By.ID, "q")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='q']").text == "Artist or producer"
    box.send_keys("nova", Keys.ENTER)
    assert browser.find_element(By.LINK_TEXT, "Nova Reyes")


def test_dashboard_refreshes_itself_without_a_reload(
    live_server: str, browser: Any, db: Database
) -> None:
    """A dead letter that arrives after the page loaded is counted when the refresh runs, the
    page not reloaded (a visitor sees the count, never the message's body)."""
    browser.get(f"{live_server}/dashboard")
    browser.execute_script("window.loadedOnce = true;")
    assert "No dead letters." in browser.page_source
    seed_dead_letter(db, "Late Artist")
    browser.execute_script("window.pdRefreshDashboard();")
    deadline = time.monotonic() + 10
    while (
        "artist_discovery_dlq: 1" not in browser.find_element(By.ID, "live").text
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    live = browser.find_element(By.ID, "live").text
    assert "artist_discovery_dlq: 1" in live
    assert "Late Artist" not in live
    assert browser.execute_script("return window.loadedOnce === true;")


def test_a_too_long_genre_is_explained_beside_the_field(
    live_server: str, browser: Any, db: Database
) -> None:
    """A 150-character genre (the form takes it, the database holds 100): the home page again,
    the genre still chosen and typed, the reason beside the field, nothing queued."""
    sign_in(browser, live_server)
    browser.get(live_server)
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=genre]").click()
    browser.find_element(By.ID, "discover-value").send_keys("g" * 150)
    browser.find_element(By.XPATH, "//button[.='Queue discovery']").click()
    error = browser.find_element(By.ID, "discover-error")
    assert error.text == "A genre has at most 100 characters (this one has 150)."
    field = browser.find_element(By.ID, "discover-value")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("value") == "g" * 150
    assert browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=genre]").is_selected()
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0
