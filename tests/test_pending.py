"""The pending marker: only a marker this site signed, for this key, recently, is honoured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.test import Client
from freezegun import freeze_time

from sessionkit import pending
from sessionkit.conf import conf
from sessionkit.keys import CookieKey
from sessionkit.tracking import Figures, PageView, begin
from tests.conftest import issued_key, public_id_of

COOKIE = django_settings.SESSION_COOKIE_NAME
MARKER = "sessionkit_pending_token"


def test_second_request_creates_the_session_with_both_requests(engine: Any) -> None:
    browser = Client()
    first = browser.get("/page/a")
    assert COOKIE not in first.cookies, "no session cookie names a session that is not stored"
    key = issued_key(first)
    assert not engine.store_class().exists(key)
    second = browser.get("/page/b")
    assert second.json()["num_requests"] == 2
    assert second.json()["history"] == ["/page/a", "/page/b"]
    assert engine.store_class().exists(key), "the issued key is the stored key"
    assert second.cookies[COOKIE].value == key, "the session cookie comes with the session"
    assert second.cookies[MARKER].value == "", "the marker is cleared once stored"


def test_a_forged_marker_is_ignored(engine: Any) -> None:
    browser = Client()
    key = CookieKey("k" * 32)
    forged = pending.dumps(key, begin(Figures(), PageView.of("/", "/", 0)))[:-3] + "abc"
    browser.cookies[MARKER] = forged
    shown = browser.get("/page/").json()
    assert shown["first_page"] is True
    assert shown["id"] != public_id_of(key), "an unsigned key is never adopted"


def test_a_session_cookie_of_no_stored_session_is_never_adopted(engine: Any) -> None:
    browser = Client()
    issued = issued_key(browser.get("/page/"))
    browser.cookies[COOKIE] = "z" * 32  # the marker comes along, with its own key
    response = browser.get("/page/")
    assert response.json()["id"] == public_id_of(issued)
    assert response.cookies[COOKIE].value == issued, "the marker's key, never the cookie's"
    alone = Client()
    alone.cookies[COOKIE] = "z" * 32
    shown = alone.get("/page/")
    assert shown.json()["first_page"] is True
    assert shown.json()["id"] != public_id_of("z" * 32)
    assert shown.cookies[COOKIE].value == "", "a cookie of no stored session is dropped"


def test_a_stale_marker_is_ignored(engine: Any, settings: Any) -> None:
    settings.SESSIONKIT_PENDING_AGE = 60
    browser = Client()
    with freeze_time("2026-05-01 10:00") as frozen:
        key = issued_key(browser.get("/page/"))
        frozen.tick(timedelta(seconds=61))
        shown = browser.get("/page/").json()
    assert shown["first_page"] is True
    assert shown["id"] != public_id_of(key)


def test_djangos_client_session_recipe(engine: Any) -> None:
    """Django's documented ``client.session`` recipe works as with Django's engines."""
    browser = Client()
    browser.get("/page/")  # a view that never used the session
    session = browser.session
    session["k"] = "v"
    session.save()
    assert browser.get("/").json()["data"] == {"k": "v"}


def test_django_error_reports_redact_the_marker(rf: Any) -> None:
    """The marker is a credential until its session is stored: Django's error reports (the
    technical 500 page, ADMINS mail) must hide it as they hide the session cookie."""
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.get("/")
    request.COOKIES[conf.SESSIONKIT_PENDING_COOKIE_NAME] = "~jW10:c2lnbmF0dXJl"
    safe = SafeExceptionReporterFilter().get_safe_cookies(request)
    assert (
        safe[conf.SESSIONKIT_PENDING_COOKIE_NAME]
        == SafeExceptionReporterFilter.cleansed_substitute
    )


def test_a_marker_holds_the_json_json_dumps_writes() -> None:
    """The marker's JSON comes from a C encoder built once: the very text of ``json.dumps``,
    whatever the paths viewed hold."""
    import json

    from sessionkit import codec

    view = PageView.of("/étagère/ü?q=\u2028\"'<>", "/étagère/ü?q=\u2028\"'<>", 1_790_000_000)
    figures = begin(Figures(), view)
    key = CookieKey("k" * 32)
    payload = codec.unsign(pending.dumps(key, figures), pending.SALT, max_age=60)
    assert payload == json.dumps([key, figures.dump()], separators=(",", ":")).encode()
