"""Tracking through the test client, on every engine: exact figures over a scripted visit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.test import AsyncClient, Client
from freezegun import freeze_time

from sessionkit.visit import FIGURES_KEY
from tests.conftest import issued_key, public_id_of

COOKIE = django_settings.SESSION_COOKIE_NAME


def stored(engine: Any, browser: Client) -> Any:
    """The visitor's session as the store has it."""
    return engine.store_class(browser.cookies[COOKIE].value)


def test_scripted_visit(engine: Any, browser: Client) -> None:
    script = [
        ("/page/a", 200),
        ("/page/b", 200),
        ("/page/b", 200),
        ("/redirect/", 302),
        ("/missing/", 404),
        ("/boom/", 500),
        ("/page/c?x=1", 200),
        ("/page/a", 200),
    ]
    for path, status in script:
        assert browser.get(path).status_code == status, path
    shown = browser.get("/page/last").json()
    assert shown["num_requests"] == 9
    assert shown["num_pages"] == 6
    assert shown["unique_pages"] == 4
    assert shown["num_errors"] == 2
    assert shown["errors"] == [["/missing/", 404], ["/boom/", 500]]
    assert shown["history"] == [
        "/page/a",
        "/page/b",
        "/page/b",
        "/page/c?x=1",
        "/page/a",
        "/page/last",
    ]
    assert shown["tracker"] == ["/page/last", "/page/a", "/page/c?x=1", "/page/b"]
    assert shown["first_page"] is False
    assert shown["is_valid"] is True
    assert shown["id"] == public_id_of(browser.cookies[COOKIE].value)
    assert shown["properties"] == []
    assert "lost" not in stored(engine, browser), "a 500's own changes are dropped"


def test_first_request_figures(engine: Any, browser: Client) -> None:
    response = browser.get("/page/")
    shown = response.json()
    assert shown["first_page"] is True
    assert (shown["num_requests"], shown["num_pages"], shown["unique_pages"]) == (1, 1, 1)
    assert shown["id"] == public_id_of(issued_key(response))
    assert shown["object_type"] == "session"
    assert shown["is_valid"] is shown["allowed"] is True
    second = browser.get("/page/").json()
    assert second["first_page"] is False
    assert second["num_requests"] == 2
    assert second["id"] == shown["id"]
    assert second["start_date"] == shown["start_date"]


def test_history_is_capped_oldest_first(engine: Any, browser: Client) -> None:
    for n in range(105):
        browser.get(f"/page/{n}")
    history = browser.get("/page/end").json()["history"]
    assert len(history) == 100
    assert history[0] == "/page/6"
    assert history[-1] == "/page/end"


def test_a_client_without_cookies_costs_no_write(engine: Any) -> None:
    keys = set()
    for _ in range(100):
        response = Client().get("/page/")
        assert response.status_code == 200
        assert COOKIE not in response.cookies
        keys.add(issued_key(response))
    assert len(keys) == 100
    assert not any(engine.store_class().exists(key) for key in keys)


def test_a_cookieless_view_that_writes_is_saved(engine: Any) -> None:
    response = Client().get("/set/", {"cart": "book-1"})
    key = response.cookies[COOKIE].value
    session = engine.store_class(key)
    assert session["cart"] == "book-1"
    assert session[FIGURES_KEY][2] == 1  # one request counted


def test_a_500_is_counted(engine: Any, browser: Client) -> None:
    browser.get("/page/")
    browser.get("/page/")
    assert browser.get("/boom/").status_code == 500
    shown = browser.get("/page/").json()
    assert shown["num_errors"] == 1
    assert shown["num_requests"] == 4


def test_first_request_a_500_then_a_page(engine: Any, browser: Client) -> None:
    assert browser.get("/boom/").status_code == 500
    shown = browser.get("/page/").json()
    assert (shown["num_requests"], shown["num_errors"], shown["num_pages"]) == (2, 1, 1)


def test_excluded_paths_are_not_tracked(engine: Any, browser: Client, settings: Any) -> None:
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/page/static/"]
    browser.get("/page/one")
    browser.get("/page/two")
    browser.get("/page/static/app.css")
    shown = browser.get("/page/three").json()
    assert shown["num_requests"] == 3
    assert "/page/static/app.css" not in shown["history"]


@pytest.mark.parametrize("mistake", ["^/page/static/", ["("], [b"^/page/"]])
def test_a_mistyped_exclusion_setting_serves_pages_with_the_default(
    engine: Any, browser: Client, settings: Any, caplog: pytest.LogCaptureFixture, mistake: Any
) -> None:
    """A server that runs no checks (gunicorn) must not answer 500 on every page: it logs
    what E009 would say, and excludes the default paths until the setting is fixed."""
    settings.STATIC_URL = "/page/static/"
    settings.SESSIONKIT_TRACK_EXCLUDE = mistake
    with caplog.at_level(logging.ERROR, logger="sessionkit"):
        assert browser.get("/page/one").status_code == 200
        browser.get("/page/static/app.css")
        shown = browser.get("/page/two").json()
    assert shown["num_requests"] == 2  # the default excluded the static file
    errors = [r for r in caplog.records if r.name == "sessionkit"]
    assert len(errors) == 1  # once, not on every request
    assert "SESSIONKIT_TRACK_EXCLUDE" in errors[0].getMessage()


def test_default_exclusions(settings: Any) -> None:
    from sessionkit.plan import is_excluded

    settings.STATIC_URL = "/static/"
    settings.MEDIA_URL = "media/"
    assert is_excluded("/static/app.css")
    assert is_excluded("/media/cover.jpg")
    assert is_excluded("/favicon.ico")
    assert is_excluded("/admin/jsi18n/")
    assert not is_excluded("/books/")
    assert not is_excluded("/jsi18n-guide/")


def test_rolling_expiry(engine: Any, browser: Client, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 600
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with freeze_time(start) as frozen:
        browser.get("/page/")
        for _ in range(4):
            frozen.tick(timedelta(seconds=500))
            shown = browser.get("/page/").json()
        assert shown["num_requests"] == 5
        assert shown["end_date"] == (start + timedelta(seconds=2600)).isoformat()
        frozen.tick(timedelta(seconds=601))
        assert browser.get("/page/").json()["first_page"] is True


def test_absolute_age_caps_a_busy_session(engine: Any, browser: Client, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 600
    settings.SESSIONKIT_ABSOLUTE_AGE = 1000
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with freeze_time(start) as frozen:
        browser.get("/page/")
        frozen.tick(timedelta(seconds=500))
        shown = browser.get("/page/").json()
        assert shown["end_date"] == (start + timedelta(seconds=1000)).isoformat()
        frozen.tick(timedelta(seconds=400))
        assert browser.get("/page/").json()["num_requests"] == 3
        frozen.tick(timedelta(seconds=101))
        assert browser.get("/page/").json()["first_page"] is True


def test_async_client_visit(engine: Any) -> None:
    async def visit() -> list[dict[str, Any]]:
        client = AsyncClient(raise_request_exception=False)
        seen = []
        for path in ["/page/a", "/page/b", "/missing/", "/page/a"]:
            response = await client.get(path)
            if response.status_code == 200:
                seen.append(response.json())
        return seen

    seen = async_to_sync(visit)()
    assert [s["num_requests"] for s in seen] == [1, 2, 4]
    assert seen[-1]["num_errors"] == 1
    assert seen[-1]["unique_pages"] == 2
    assert seen[-1]["tracker"] == ["/page/a", "/page/b"]


def test_logout_flush_starts_over(engine: Any, browser: Client) -> None:
    browser.get("/page/")
    browser.get("/page/")
    old = browser.cookies[COOKIE].value
    response = browser.get("/logout/")
    assert response.cookies[COOKIE].value == ""  # the cookie is deleted, as Django does
    assert not engine.store_class().exists(old)
    assert browser.get("/page/").json()["first_page"] is True


@pytest.mark.django_db
def test_query_budget_on_the_db_engine(
    settings: Any, browser: Client, django_assert_num_queries: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    with django_assert_num_queries(0):
        browser.get("/page/")  # first request: nothing stored yet
    with django_assert_num_queries(1):
        browser.get("/page/")  # second: the marker holds the key, one insert
    for _ in range(3):
        with django_assert_num_queries(2):
            browser.get("/page/")  # then: one read, one write
    with django_assert_num_queries(2):
        browser.get("/set/", {"a": "1"})


@pytest.mark.django_db
def test_stored_size_stays_bounded(settings: Any, browser: Client) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    from sessionkit.models import Session

    for n in range(10_000):
        browser.get(f"/page/{n % 5000}/{'chapter' if n % 3 else 'notes'}-{n % 5000}?page={n}")
    key = browser.cookies[COOKIE].value
    size = len(Session.objects.get(pk=key).session_data)
    print(f"\nstored session after 10,000 page views over 5,000 paths: {size} bytes")
    assert size <= 16 * 1024
    engine = import_module(settings.SESSION_ENGINE)
    assert engine.SessionStore(key)[FIGURES_KEY][2] == 10_000


@pytest.mark.django_db
@pytest.mark.parametrize("django_engine", ["db", "cache", "signed_cookies"])
def test_tracking_on_djangos_own_engines(settings: Any, django_engine: str) -> None:
    """The middleware is a drop-in: Django's engines work under it too (writing at once)."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{django_engine}"
    browser = Client()
    for n in range(3):
        shown = browser.get(f"/page/{n}").json()
    assert shown["num_requests"] == 3
    assert browser.get("/set/", {"a": "1"}).json()["data"] == {"a": "1"}


@pytest.mark.parametrize("checks_first", [True, False])
def test_default_exclusions_under_a_script_prefix(settings: Any, checks_first: bool) -> None:
    """Mounted under /app/ (SCRIPT_NAME), a relative STATIC_URL is /app/static/ while the
    path searched (path_info) is /static/…, whether or not the checks ran first."""
    from django.core.checks import run_checks
    from django.urls import set_script_prefix

    from sessionkit.plan import is_excluded

    settings.STATIC_URL, settings.MEDIA_URL = "static/", ""
    if checks_first:
        run_checks()
    set_script_prefix("/app/")
    try:
        assert is_excluded("/static/app.js")
        assert not is_excluded("/books/")
    finally:
        set_script_prefix("/")


def test_exclusions_keep_their_own_leading_flags(settings: Any) -> None:
    from sessionkit.plan import is_excluded

    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/health/$", r"(?i)^/ADMIN/", r"(?x) ^/a \s* b/"]
    assert is_excluded("/admin/books/")
    assert is_excluded("/ab/")
    assert is_excluded("/health/")
    assert not is_excluded("/HEALTH/")  # the flag of one pattern is not the others'
