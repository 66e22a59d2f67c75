"""The dashboard's "New since last week" panel in a real headless Chromium (the fixtures of
test_browser.py: Debian's chromium and chromium-driver, the app served by uvicorn)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.support.database import Database

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By

from tests.web.test_browser import browser, live_server  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("chromedriver"), reason="needs Debian's chromium-driver"),
]


def test_the_dashboard_panel_shows_the_new_album_and_links_its_artist(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    db: Database,
) -> None:
    """A visitor sees the album that arrived this week (not the month-old ones) in the panel,
    and its artist link opens the artist's page."""
    db.execute("UPDATE albums SET created_at = now() - interval '30 days'")
    db.execute("UPDATE track_producers SET created_at = now() - interval '30 days'")
    db.execute("UPDATE albums SET created_at = now() WHERE name = 'Static Bloom'")
    browser.get(f"{live_server}/dashboard")
    panel = browser.find_element(By.ID, "new-since")
    assert panel.find_element(By.TAG_NAME, "h2").text == "New since last week"
    assert "Static Bloom" in panel.text
    assert "Golden Hour" not in panel.text
    assert "No new credits." in panel.text
    panel.find_element(By.LINK_TEXT, "Nova Reyes").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Nova Reyes"
