"""Flash values are readable on exactly the next request."""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory

from sessionkit import flash


def test_flash_is_visible_on_exactly_the_next_request(engine: Any, browser: Client) -> None:
    browser.get("/page/")
    response = browser.get("/flash/", {"note": "Saved"})
    assert response.status_code == 302
    assert browser.get("/page/").json()["flash"] == {"note": "Saved"}
    assert browser.get("/page/").json()["flash"] == {}


def test_flash_on_a_first_request(engine: Any) -> None:
    browser = Client()
    browser.get("/flash/", {"note": "Hello"})
    assert browser.get("/page/").json()["flash"] == {"note": "Hello"}
    assert browser.get("/page/").json()["flash"] == {}


def test_flash_survives_untracked_requests(engine: Any, browser: Client, settings: Any) -> None:
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/page/static/"]
    browser.get("/flash/", {"note": "Saved"})
    browser.get("/page/static/app.css")
    assert browser.get("/page/").json()["flash"] == {"note": "Saved"}


def test_get_without_middleware_returns_default(rf: RequestFactory) -> None:
    request = rf.get("/")
    assert flash.get(request, "note", "none") == "none"
    assert flash.values(request) == {}
