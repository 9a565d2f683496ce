"""Consent, through the test client on every engine."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

COOKIE = django_settings.SESSION_COOKIE_NAME
CONSENT = "sessionkit_consent"


@pytest.fixture
def consent_required(settings: Any) -> None:
    settings.SESSIONKIT_REQUIRE_CONSENT = True


def test_before_grant_nothing_is_stored(engine: Any, consent_required: None) -> None:
    browser = Client()
    first = browser.get("/page/")
    assert COOKIE not in first.cookies
    second = browser.get("/page/")
    shown = [first.json(), second.json()]
    assert [s["is_valid"] for s in shown] == [False, False]
    assert [s["allowed"] for s in shown] == [False, False]
    assert [s["first_page"] for s in shown] == [True, True]
    assert [s["num_requests"] for s in shown] == [1, 1]
    assert shown[0]["id"] and shown[1]["id"] and shown[0]["id"] != shown[1]["id"]
    response = browser.get("/set/", {"cart": "book-1"})
    assert COOKIE not in response.cookies
    assert not engine.store_class().exists(response.json()["key"] or "x" * 32)
    assert browser.get("/").json()["data"] == {}


def test_grant_then_normal_then_revoke(engine: Any, consent_required: None) -> None:
    browser = Client()
    response = browser.post("/sessionkit/consent/", {"action": "grant", "next": "/page/"})
    assert response.status_code == 302
    assert response["Location"] == "/page/"
    assert response.cookies[CONSENT].value == "1"
    assert response.cookies[CONSENT]["httponly"]
    assert browser.get("/page/").json()["is_valid"] is True
    shown = browser.get("/set/", {"cart": "book-1"}).json()
    key = browser.cookies[COOKIE].value
    assert shown["key"] == key
    assert engine.store_class().exists(key)
    assert browser.get("/page/").json()["num_requests"] == 3

    response = browser.post("/sessionkit/consent/", {"action": "revoke"})
    assert response.status_code == 302
    assert not engine.store_class().exists(key), "revoking deletes the stored session"
    assert response.cookies[COOKIE].value == ""
    assert response.cookies[CONSENT].value == ""
    after = browser.get("/page/")
    assert after.json()["is_valid"] is False
    assert COOKIE not in after.cookies


def test_consent_not_required_by_default(engine: Any) -> None:
    assert Client().get("/page/").json()["is_valid"] is True


def test_consent_view_rejects_bad_requests(consent_required: None) -> None:
    browser = Client()
    assert browser.get("/sessionkit/consent/").status_code == 405
    assert browser.post("/sessionkit/consent/", {"action": "maybe"}).status_code == 400
    response = browser.post(
        "/sessionkit/consent/", {"action": "grant", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_consent_view_needs_csrf_token(consent_required: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/sessionkit/consent/", {"action": "grant"}).status_code == 403


def test_revoking_without_the_consent_cookie_ends_the_stored_session(
    engine: Any, consent_required: None
) -> None:
    """The consent cookie gone first (it expired, or was cleared alone), the session cookie
    still sent: revoking ends the session stored under it, not only the cookie."""
    browser = Client()
    browser.post("/sessionkit/consent/", {"action": "grant"})
    browser.get("/set/", {"cart": "book-1"})
    key = browser.cookies[COOKIE].value
    assert engine.store_class().exists(key)
    del browser.cookies[CONSENT]
    browser.post("/sessionkit/consent/", {"action": "revoke"})
    assert not engine.store_class().exists(key)
