"""The pending marker: only a marker this site signed, for this key, recently, is honoured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.test import Client
from freezegun import freeze_time

from sessionkit import pending
from sessionkit.tracking import Figures, PageView, begin
from tests.conftest import public_id_of

COOKIE = django_settings.SESSION_COOKIE_NAME
MARKER = "sessionkit_pending"


def test_second_request_creates_the_session_with_both_requests(engine: Any) -> None:
    browser = Client()
    first = browser.get("/page/a")
    key = first.cookies[COOKIE].value
    assert MARKER in first.cookies
    assert not engine.store_class().exists(key)
    second = browser.get("/page/b")
    assert second.json()["num_requests"] == 2
    assert second.json()["history"] == ["/page/a", "/page/b"]
    assert engine.store_class().exists(key), "the issued key is the stored key"
    assert second.cookies[MARKER].value == "", "the marker is cleared once stored"


def test_a_forged_marker_is_ignored(engine: Any) -> None:
    browser = Client()
    key = "k" * 32
    forged = pending.dumps(key, begin(Figures(), PageView.of("/", "/", 0)))[:-3] + "abc"
    browser.cookies[COOKIE] = key
    browser.cookies[MARKER] = forged
    shown = browser.get("/page/").json()
    assert shown["first_page"] is True
    assert shown["id"] != public_id_of(key), "an unsigned key is never adopted"


def test_a_marker_for_another_key_is_ignored(engine: Any) -> None:
    browser = Client()
    browser.get("/page/")
    browser.cookies[COOKIE] = "z" * 32
    shown = browser.get("/page/").json()
    assert shown["first_page"] is True
    assert shown["id"] != public_id_of("z" * 32)


def test_a_stale_marker_is_ignored(engine: Any, settings: Any) -> None:
    settings.SESSIONKIT_PENDING_AGE = 60
    browser = Client()
    with freeze_time("2026-05-01 10:00") as frozen:
        key = browser.get("/page/").cookies[COOKIE].value
        frozen.tick(timedelta(seconds=61))
        shown = browser.get("/page/").json()
    assert shown["first_page"] is True
    assert shown["id"] != public_id_of(key)
