"""Screenshots of the web app for docs/operations.md, in headless Debian Chromium.

    PRODUCER_DISCOVERY_HOME=/tmp/web-home .venv/bin/python scripts/web_screenshot.py docs/screenshots

Seeds the sample web catalogue (sandbox.web_catalogue.SAMPLE) and one dead letter into the
database (DATABASE_URL, else the embedded one) when it has no artists yet, serves the app on a
free port, signs in as operator for the dashboard, and saves home.png, producer.png and
dashboard.png (1280 px wide) in the directory given.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import psycopg
import uvicorn
from psycopg.rows import dict_row
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from producer_discovery.db.cluster import free_port
from producer_discovery.operations import database_url
from producer_discovery.sandbox.web_catalogue import SAMPLE, seed_dead_letter, seed_web_catalogue
from producer_discovery.settings import Settings
from producer_discovery.web.app import create_app

TOKEN = "screenshot-token"


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    url = database_url(Settings())
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        if not conn.execute("SELECT EXISTS (SELECT 1 FROM artists) AS any").fetchone()["any"]:  # type: ignore[index]
            seed_web_catalogue(conn, SAMPLE)
            seed_dead_letter(conn, "Lost Artist")
            conn.execute("SELECT start_artist_discovery('Juno Vale')")
        mara = conn.execute(
            "SELECT id::TEXT AS id FROM producers WHERE name = 'Mara Quill'"
        ).fetchone()
    assert mara is not None
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(Settings(web_operator_token=SecretStr(TOKEN)), url),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    browser = webdriver.Chrome(
        service=Service(executable_path="/usr/bin/chromedriver"), options=options
    )
    try:
        browser.get(f"{base}/?q=mara")
        browser.save_screenshot(str(directory / "home.png"))
        browser.get(f"{base}/producers/{mara['id']}")
        browser.find_element(By.XPATH, "//summary[starts-with(., 'Evidence')]").click()
        browser.save_screenshot(str(directory / "producer.png"))
        browser.get(f"{base}/login")
        browser.find_element(By.ID, "token").send_keys(TOKEN)
        browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        browser.get(f"{base}/dashboard")
        browser.save_screenshot(str(directory / "dashboard.png"))
    finally:
        browser.quit()
        server.should_exit = True
    print(f"saved {', '.join(sorted(p.name for p in directory.glob('*.png')))} in {directory}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
