"""The middleware through the test client: sessions round-trip, bad cookies are no session."""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.test import AsyncClient, Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sessionkit.middleware import SessionMiddleware

COOKIE = django_settings.SESSION_COOKIE_NAME


def test_is_a_subclass_of_djangos() -> None:
    from django.contrib.sessions.middleware import SessionMiddleware as Django

    assert issubclass(SessionMiddleware, Django)


def test_session_round_trip(engine: Any, client: Client) -> None:
    response = client.get("/set/", {"cat": "Milo"})
    assert response.status_code == 200
    key = response.cookies[COOKIE].value
    morsel = response.cookies[COOKIE]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    response = client.get("/")
    assert response.json() == {"key": key, "data": {"cat": "Milo"}}


def test_session_round_trip_async(engine: Any, async_client: Any) -> None:
    from asgiref.sync import async_to_sync

    async def body() -> None:
        response = await async_client.get("/set/", {"cat": "Milo"})
        assert response.status_code == 200
        response = await async_client.get("/")
        assert response.json()["data"] == {"cat": "Milo"}

    async_to_sync(body)()


def as_wsgi_cookie(value: str) -> dict[str, str]:
    """The Cookie header as a WSGI server hands it to Django: UTF-8 bytes read as latin-1."""
    return {"HTTP_COOKIE": f"{COOKIE}={value.encode('utf-8').decode('latin-1')}"}


BAD_COOKIES = [
    "../../etc/passwd",
    "..",
    "a" * 41,
    "a" * 4000,
    "ключключключключключ",
    "abcdefgh%00ijklmnop",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
]


@pytest.mark.parametrize("cookie", BAD_COOKIES)
def test_bad_cookie_is_no_session(
    engine: Any, client: Client, tmp_path: Path, cookie: str
) -> None:
    before = set(tmp_path.parent.rglob("*"))
    response = client.get("/", **as_wsgi_cookie(cookie))
    assert response.status_code == 200
    shown = response.json()
    assert shown["data"] == {}
    assert shown["key"] != cookie
    assert len(shown["key"]) == 32
    response = client.get("/set/", {"a": "1"}, **as_wsgi_cookie(cookie))
    assert response.status_code == 200
    new_key = response.cookies[COOKIE].value
    assert new_key != cookie
    assert len(new_key) == 32
    created = set(tmp_path.parent.rglob("*")) - before
    assert all(p.parent == tmp_path for p in created), created


def test_file_engine_bad_cookies_never_leave_the_folder(settings: Any, tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(sessions)
    cookie_text = st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters=";\r\n"), max_size=300
    ) | st.text(alphabet=string.ascii_lowercase + string.digits + "./%\\", max_size=60)

    @given(cookie=cookie_text)
    @hypothesis_settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    def check(cookie: str) -> None:
        response = Client().get("/set/", {"a": "1"}, **as_wsgi_cookie(cookie))
        assert response.status_code == 200
        new_key = response.cookies[COOKIE].value
        assert new_key != cookie
        assert len(new_key) == 32
        assert all(p.parent == sessions for p in tmp_path.rglob("*") if p != sessions)

    check()


def test_vary_cookie_when_the_application_read_the_session_or_a_key_is_sent(
    engine: Any, settings: Any
) -> None:
    """The middleware's own tracking (a load and a save on every request) is not a read; but a
    response that sets the session cookie or the marker varies on Cookie, as Django's does
    since 5.2.14 (CVE-2026-35192). A page excluded from tracking that does not use the session
    sends neither, and stays cacheable by shared caches."""
    browser = Client()
    for _ in range(3):  # a new visitor (the marker), then a stored session (its cookie)
        response = browser.get("/plain/")
        assert response.cookies
        assert "Cookie" in response.get("Vary", ""), response.cookies
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/plain/"]
    response = browser.get("/plain/")
    assert not response.cookies
    assert "Vary" not in response
    assert "Cookie" in browser.get("/").get("Vary", ""), "a view that reads the session"
    assert "Cookie" in browser.get("/django/").get("Vary", ""), "a template that shows it"


async def _awaited(coroutine: Any) -> Any:
    return await coroutine


def _untracked_requests(client: Any) -> list[tuple[list[tuple[str, bool]], str | None]]:
    """The cookies set (and whether each is a deletion) and the Vary header of a sequence of
    requests to untracked paths: a new session, a page that does not use it, a page that
    reads it, a key that names no session, no cookie at all."""
    seen = []
    for cookie, path in [
        (None, "/set/?a=1"),
        (None, "/plain/"),
        (None, "/"),
        ("k" * 32, "/plain/"),
        ("", "/plain/"),
    ]:
        if cookie == "":
            client.cookies.clear()
        elif cookie is not None:
            client.cookies[COOKIE] = cookie
        response = client.get(path)
        if not hasattr(response, "status_code"):  # an AsyncClient's coroutine
            response = async_to_sync(_awaited)(response)
        assert response.status_code == 200
        sent = sorted((name, morsel["max-age"] == 0) for name, morsel in response.cookies.items())
        seen.append((sent, response.get("Vary")))
    return seen


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("every_request", [False, True])
@pytest.mark.parametrize("client_class", [Client, AsyncClient], ids=["wsgi", "asgi"])
def test_untracked_requests_send_what_djangos_middleware_sends(
    settings: Any, every_request: bool, client_class: type[Client | AsyncClient]
) -> None:
    """On a path excluded from tracking the middleware takes a shortcut when the view leaves
    the session alone: the cookies and Vary it sends are still, request for request, those of
    Django's own middleware and engine."""
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/"]
    settings.SESSION_SAVE_EVERY_REQUEST = every_request
    seen = {}
    for package in ("django.contrib.sessions", "sessionkit"):
        settings.MIDDLEWARE = [f"{package}.middleware.SessionMiddleware"]
        settings.SESSION_ENGINE = f"{package}.backends.db"
        seen[package] = _untracked_requests(client_class())
    assert seen["sessionkit"] == seen["django.contrib.sessions"]
    # A page that does not use the session: untouched, unless every request saves (and then,
    # as with Django since 5.2.14, the cookie it sets is varied on).
    assert seen["sessionkit"][1] == (
        ([(COOKIE, False)], "Cookie") if every_request else ([], None)
    )


def _requests(client: Any, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, Any]]:
    """The status and the JSON (or None) of each request, made in turn by a Client or an
    AsyncClient."""
    answers = []
    for path, params in requests:
        response = client.get(path, params)
        if not hasattr(response, "status_code"):  # an AsyncClient's coroutine
            response = async_to_sync(_awaited)(response)
        is_json = response.get("Content-Type") == "application/json"
        answers.append((response.status_code, response.json() if is_json else None))
    return answers


@pytest.mark.parametrize("client_class", [Client, AsyncClient], ids=["wsgi", "asgi"])
def test_a_session_ended_during_a_request_stays_ended(
    engine: Any, client_class: type[Client | AsyncClient]
) -> None:
    """A view changes a session that was ended meanwhile: Django's answer (400, the session
    interrupted), whatever the engine and whether the request is served over WSGI or ASGI
    (the redis engine's I/O is awaited there), and the session does not come back."""
    client = client_class(raise_request_exception=False)
    (_, before), (ended, _), (_, after) = _requests(
        client, [("/set/", {"a": "1"}), ("/ended-meanwhile/", {}), ("/", {})]
    )
    assert before["data"] == {"a": "1"}
    assert ended == 400
    assert after["data"] == {}
    assert after["key"] != before["key"]


@pytest.mark.parametrize("client_class", [Client, AsyncClient], ids=["wsgi", "asgi"])
def test_tracking_too_large_to_save_drops_history_not_the_session(
    engine: Any, client_class: type[Client | AsyncClient], settings: Any
) -> None:
    """Over ``SESSIONKIT_MAX_SIZE`` because of its history: the oldest history is dropped and
    the session saved, on every engine, over WSGI and over ASGI alike."""
    settings.SESSIONKIT_MAX_SIZE = 3 * 1024
    rng = random.Random(7)
    pages = [(f"/page/{''.join(rng.choices(string.ascii_letters, k=70))}", {}) for _ in range(60)]
    answers = _requests(
        client_class(), [("/set/", {"shelf": "Emma"}), *pages, ("/page/", {}), ("/", {})]
    )
    assert {status for status, _ in answers} == {200}
    figures, shown = answers[-2][1], answers[-1][1]
    assert figures["num_requests"] == 62
    assert 0 < len(figures["history"]) < 61  # (all 61 pages would not fit)
    assert shown["data"] == {"shelf": "Emma"}


@pytest.mark.django_db(transaction=True)
def test_over_asgi_an_untouched_excluded_path_never_goes_to_a_thread(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An excluded path (static files, health checks) whose view leaves the session alone costs
    the middleware no thread hop under ASGI, even on an engine whose I/O runs in threads (a hop
    costs more than the rest of the request); a tracked one makes one hop on each side."""
    from sessionkit import middleware

    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/plain/"]
    hops: list[str] = []
    real = middleware.sync_to_async

    def counted(function: Any, **kwargs: Any) -> Any:
        hops.append(getattr(function, "__name__", repr(function)))
        return real(function, **kwargs)

    monkeypatch.setattr(middleware, "sync_to_async", counted)
    client = AsyncClient()
    answers = _requests(client, [("/set/", {"a": "1"}), ("/plain/", {}), ("/plain/", {})])
    assert [status for status, _ in answers] == [200, 200, 200]
    assert hops == ["_run", "_run"], "the tracked request: one hop before its view, one after"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("engine_name", ["cache", "cached_db"])
def test_over_asgi_an_untouched_excluded_path_leaves_the_cache_alone(
    settings: Any, tmp_path: Path, engine_name: str
) -> None:
    """The store is opened on the event loop, so it must do no I/O until it loads: a cache
    that does I/O as Django builds it (a file-based cache makes its folder; Django builds
    caches anew in each request's context) is taken at the first load, never for a request
    whose view leaves the session alone."""
    folder = tmp_path / "session-cache"
    settings.CACHES = {
        **settings.CACHES,
        "files": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
        },
    }
    settings.SESSION_ENGINE = f"sessionkit.backends.{engine_name}"
    settings.SESSION_CACHE_ALIAS = "files"
    settings.SESSIONKIT_CACHED_DB_CACHE = "django"
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/plain/"]
    client = AsyncClient()
    assert _requests(client, [("/plain/", {})]) == [(200, None)]
    assert not folder.exists()
    assert _requests(client, [("/set/", {"a": "1"})])[0][0] == 200
    assert folder.exists()
