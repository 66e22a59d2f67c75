"""The evidence badge, the recommendations panel and the export links in a real headless
Chromium (the fixtures and helpers of test_browser.py)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.web.test_browser import browser, heading, live_server, sign_in  # noqa: F401

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("chromedriver"), reason="needs Debian's chromium-driver"),
]


def fetched(browser: Any, href: str) -> str:  # noqa: F811
    """The text of a link's target, fetched by the page itself (with its cookies)."""
    text: str = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done);",
        href,
    )
    return text


def test_artist_page_recommends_a_producer_with_its_reason(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    catalogue: dict[str, str],
) -> None:
    """Nova Reyes's page shows the recommendations panel; its producer link opens the page."""
    browser.get(f"{live_server}/artists/{catalogue['Nova Reyes']}")
    heading(browser, "Nova Reyes")
    panel = browser.find_element(By.ID, "recommended-heading").find_element(By.XPATH, "..")
    assert panel.is_displayed()
    assert "produced 1 song for Beyoncé Lumière, who shares 1 producer with you" in panel.text
    panel.find_element(By.LINK_TEXT, "DJ O'Neil").click()
    heading(browser, "DJ O'Neil")


def test_producer_page_shows_the_evidence_badge_and_the_disagreement_in_the_open(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    catalogue: dict[str, str],
) -> None:
    """Mara Quill's credits read "confirmed by 2 sources", and Discogs' writer credit is
    visible without opening anything."""
    browser.get(f"{live_server}/producers/{catalogue['Mara Quill']}")
    heading(browser, "Mara Quill")
    badges = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".confirmed")]
    assert "confirmed by 2 sources" in badges
    disagreement = browser.find_element(By.CSS_SELECTOR, ".disagreements")
    assert disagreement.is_displayed()
    assert "discogs says writer" in disagreement.text


def test_export_links_give_visitors_no_email_and_the_operator_theirs(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    catalogue: dict[str, str],
) -> None:
    """The search's CSV link: no email column for a visitor; signed in, the same link has the
    column and the address. The artist panel's JSON link works too."""
    browser.get(f"{live_server}/?q=mara+quill")
    link = browser.find_element(By.LINK_TEXT, "CSV")
    visitor = fetched(browser, link.get_attribute("href"))
    assert visitor.splitlines()[0] == "id,name,tracks,artists,instagram_handle,page"
    assert "@quill.example" not in visitor
    sign_in(browser, live_server)
    browser.get(f"{live_server}/?q=mara+quill")
    operator = fetched(browser, browser.find_element(By.LINK_TEXT, "CSV").get_attribute("href"))
    assert operator.splitlines()[0].endswith(",email")
    assert "mara@quill.example" in operator
    browser.get(f"{live_server}/artists/{catalogue['Beyoncé Lumière']}")
    panel = browser.find_element(By.ID, "recommended-heading").find_element(By.XPATH, "..")
    exported = fetched(browser, panel.find_element(By.LINK_TEXT, "JSON").get_attribute("href"))
    assert "Théo Marchand" in exported
