"""The demo in a real headless Chromium: start the server, browse, add a book, look.

Starts ``manage.py demo`` (the README's demo command) on a free port with its own SQLite file,
drives Debian's Chromium with Playwright, and saves screenshots (the folder is printed; set
``SESSIONKIT_SCREENSHOTS`` to choose it).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import need_browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the demo server, and of management commands on its database."""
    env = {
        **os.environ,
        "DEMO_SQLITE_PATH": str(tmp_path / "demo.sqlite3"),
        "DEMO_SESSION_FILE_PATH": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    need_browser()
    port = free_port()
    env = demo_env(tmp_path)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "demo server did not start:\n" + (tmp_path / "server.log").read_text()
                    )
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        try:
            yield browser.new_page(base_url=server, viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SESSIONKIT_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_browse_consent_counter_reading_list(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 1 time.")
    expect(page.get_by_role("region", name="Sessions")).to_be_visible()
    page.get_by_role("button", name="Allow sessions").click()
    expect(page.get_by_role("region", name="Sessions")).to_have_count(0)
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 1 time.")
    page.reload()
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 2 times.")

    page.get_by_role("link", name="All books").click()
    page.get_by_role("link", name="Bleak House", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bleak House")
    page.get_by_test_id("reading-list-toggle").click()
    expect(page.get_by_role("status")).to_have_text("Added “Bleak House” to your reading list.")
    expect(page.get_by_test_id("reading-list-toggle")).to_have_text("Remove from reading list")
    expect(page.get_by_test_id("reading-count")).to_have_text("1")

    page.get_by_role("link", name="Reading list").click()
    expect(page.get_by_test_id("reading-list")).to_contain_text("Bleak House")
    expect(page.get_by_role("status")).to_have_count(0)

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 3 times.")
    panel = page.get_by_test_id("session-panel")
    # /, /, /books/, /books/N/, the add (a redirect), /books/N/, /reading-list/, / = 8
    expect(panel.get_by_test_id("num-requests")).to_have_text("8")
    expect(panel.get_by_test_id("unique-pages")).to_have_text("4")
    expect(panel).to_contain_text("num_visits = 3")
    folder = screenshots(tmp_path)
    page.screenshot(path=str(folder / "demo-home.png"), full_page=True)

    page.get_by_role("link", name="Your session").click()
    expect(page.get_by_test_id("history")).to_contain_text("/reading-list/")
    page.screenshot(path=str(folder / "demo-session.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/books/")
    page.screenshot(path=str(folder / "demo-books-phone.png"), full_page=True)
    print(f"\nscreenshots: {folder}")
    assert (folder / "demo-home.png").stat().st_size > 10_000


PHONE = {"width": 390, "height": 844}


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def test_no_thanks_hides_the_banner_and_stores_nothing(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto("/books/")
    banner = page.get_by_role("region", name="Sessions")
    expect(banner.get_by_role("button", name="No thanks")).to_be_visible()
    folder = screenshots(tmp_path)
    page.screenshot(path=str(folder / "demo-banner.png"))
    banner.get_by_role("button", name="No thanks").click()
    expect(page).to_have_url(re.compile(r"/books/$"))
    expect(page.get_by_role("region", name="Sessions")).to_have_count(0)
    panel = page.get_by_test_id("session-panel")
    expect(panel.get_by_test_id("nothing-stored")).to_contain_text("Nothing is stored.")
    expect(panel).not_to_contain_text("num_visits")
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("region", name="Sessions")).to_have_count(0)
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 1 time.")
    page.reload()
    expect(page.get_by_test_id("visits")).to_have_text("You have visited this page 1 time.")
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    assert "sessionid" not in cookies and "sessionkit_consent" not in cookies, cookies
    assert cookies.get("demo_sessions_declined") == "1"
    page.screenshot(path=str(folder / "demo-declined.png"), full_page=True)


def test_sessions_page_fits_a_phone(page: Any, server: str, tmp_path: Path) -> None:
    """sessionkit's signed-in sessions page in the demo's layout, with two sessions, at
    390 px: no horizontal scroll; its buttons work. Other pages fit too, and no request (the
    favicon included) answers 404."""
    from playwright.sync_api import expect

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "librarian",
            "--email",
            "librarian@example.com",
        ],
        cwd=ROOT,
        env={**demo_env(tmp_path), "DJANGO_SUPERUSER_PASSWORD": "pw"},
        check=True,
        capture_output=True,
    )
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    def sign_in(tab: Any) -> None:
        tab.goto("/")
        tab.get_by_role("button", name="Allow sessions").click()
        tab.goto("/admin/login/?next=/sessionkit/sessions/")
        tab.fill("#id_username", "librarian")
        tab.fill("#id_password", "pw")
        tab.get_by_role("button", name="Log in").click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Where you are signed in")

    elsewhere = page.context.browser.new_context(base_url=server)  # a second browser
    sign_in(elsewhere.new_page())
    sign_in(page)

    folder = screenshots(tmp_path)
    page.screenshot(path=str(folder / "demo-sessions.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    rows = page.locator("tr[data-session]")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("this browser", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out there")).to_be_visible()
    expect(page.get_by_role("link", name="LocalLibrary")).to_be_visible()
    width = scroll_width(page)
    page.screenshot(path=str(folder / "demo-sessions-phone.png"), full_page=True)
    assert width <= PHONE["width"], f"sessions page scrolls sideways: {width}px"

    page.get_by_role("button", name="Sign out everywhere else").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_text("this browser", exact=True)).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]

    # (The server runs with DEBUG on, so its 404s are Django's debug page: the branded 404 is
    # tested in test_pages.py.)
    for url in ("/", "/books/", "/session/", "/reading-list/"):
        page.goto(url)
        assert scroll_width(page) <= PHONE["width"], url

    icon = page.request.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert missing == []
    print(f"\nscreenshots: {folder}")
