"""sessionkit.cookies: every cookie carries the session cookie's flags and an exact expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpResponse
from django.utils.http import http_date
from freezegun import freeze_time

from sessionkit import cookies


def test_expires_is_the_moment_max_age_ends_as_time_moves(settings: Any) -> None:
    """``Expires`` is formatted once per second: it must still follow the clock, to the
    second, forwards and backwards."""
    settings.SESSION_COOKIE_SECURE = True
    start = datetime(2026, 12, 1, 6, 0, 0, 400_000, tzinfo=UTC)
    with freeze_time(start) as frozen:
        for step in (0, 0.5, 0.2, 1, 3600, -7200, 0.9):
            frozen.tick(timedelta(seconds=step))
            response = HttpResponse()
            cookies.set_cookie(response, "marker", "value", 120)
            morsel = response.cookies["marker"]
            now = datetime.now(tz=UTC).timestamp()
            assert morsel["expires"] == http_date(now + 120)
            assert morsel["max-age"] == 120
            assert morsel["secure"] is True


def test_flags_follow_the_settings_as_they_change(settings: Any) -> None:
    """The flags are kept between requests: a changed setting must still reach the next
    cookie (as ``override_settings`` and a settings reload change them)."""
    expected = {}
    for secure, httponly, samesite, domain, path in [
        (False, True, "Lax", None, "/"),
        (True, False, "Strict", ".example.com", "/app/"),
        (True, True, "None", None, "/"),
        (False, False, None, "example.org", "/"),
    ]:
        settings.SESSION_COOKIE_SECURE = secure
        settings.SESSION_COOKIE_HTTPONLY = httponly
        settings.SESSION_COOKIE_SAMESITE = samesite
        settings.SESSION_COOKIE_DOMAIN = domain
        settings.SESSION_COOKIE_PATH = path
        ours, djangos = HttpResponse(), HttpResponse()
        cookies.set_cookie(ours, "marker", "value", None)
        djangos.set_cookie(
            "marker",
            "value",
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            domain=domain,
            path=path,
        )
        assert ours.cookies.output() == djangos.cookies.output()
        expected[secure, samesite] = ours.cookies.output()
    assert len(set(expected.values())) == 4


def test_flags_changed_in_place_reach_the_next_cookie() -> None:
    """Assigned on ``django.conf.settings`` directly (no ``setting_changed`` signal), as a
    multi-tenant site's own middleware may do: Django's middleware follows, so must ours."""
    from django.conf import settings as live

    before = live.SESSION_COOKIE_SECURE, live.SESSION_COOKIE_SAMESITE, live.SESSION_COOKIE_PATH
    cookies.set_cookie(HttpResponse(), "marker", "value", None)
    try:
        live.SESSION_COOKIE_SECURE, live.SESSION_COOKIE_SAMESITE = True, "Strict"
        live.SESSION_COOKIE_PATH = "/app/"
        response = HttpResponse()
        cookies.set_cookie(response, "marker", "value", None)
        morsel = response.cookies["marker"]
        assert (morsel["secure"], morsel["samesite"], morsel["path"]) == (True, "Strict", "/app/")
    finally:
        live.SESSION_COOKIE_SECURE, live.SESSION_COOKIE_SAMESITE = before[:2]
        live.SESSION_COOKIE_PATH = before[2]


def test_vary_on_cookie_adds_cookie_to_what_vary_already_says() -> None:
    for before, after in [
        (None, "Cookie"),
        ("Cookie", "Cookie"),
        ("Accept-Language", "Accept-Language, Cookie"),
        ("accept-encoding, cookie", "accept-encoding, cookie"),
        ("*", "*"),
    ]:
        response = HttpResponse()
        if before is not None:
            response["Vary"] = before
        cookies.vary_on_cookie(response)
        assert response["Vary"] == after
