"""Failing services, for real: a Redis and a Memcached of the test's own, stopped mid-run.

Each test starts its own server on a spare port (so the shared services stay up), runs
requests, stops the server, runs more, and, for Redis, starts it again.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests import services
from tests.servers import Server

COOKIE = django_settings.SESSION_COOKIE_NAME


def visit(browser: Client, path: str, **params: str) -> Any:
    response = browser.get(path, params)
    assert response.status_code < 500, (path, response.status_code)
    return response


@pytest.mark.django_db
def test_cached_db_survives_redis_stopping_and_restarting(
    own_redis: Server, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "own_redis"
    browsers = [Client(raise_request_exception=False) for _ in range(20)]
    for n, browser in enumerate(browsers):
        visit(browser, "/page/")
        visit(browser, "/set/", reader=str(n))

    own_redis.stop()
    with caplog.at_level(logging.ERROR, logger="sessionkit.backends.cached_db"):
        for n, browser in enumerate(browsers):
            shown = visit(browser, "/page/").json()
            assert shown["num_requests"] == 3, "served from the database"
            assert visit(browser, "/").json()["data"] == {"reader": str(n)}
            visit(browser, "/set/", during="outage")
    assert any("own_redis" in record.getMessage() for record in caplog.records)

    own_redis.start()
    for n, browser in enumerate(browsers):
        data = visit(browser, "/").json()["data"]
        assert data == {"reader": str(n), "during": "outage"}, "no session lost"
        assert visit(browser, "/page/").json()["num_requests"] == 7


def test_cache_engine_with_memcached_stopped_serves_pages(
    own_memcached: Server, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "own_memcached"
    browser = Client(raise_request_exception=False)
    visit(browser, "/page/")
    visit(browser, "/set/", cart="book-1")
    assert visit(browser, "/").json()["data"] == {"cart": "book-1"}

    own_memcached.stop()
    with caplog.at_level(logging.ERROR):
        shown = visit(browser, "/page/").json()
        assert shown["first_page"] is True  # the session is out of reach
        assert shown["is_valid"] is False, "served without a session, as README says"
        visit(browser, "/set/", cart="book-2")
        assert visit(browser, "/").status_code == 200
    logged = [r for r in caplog.records if r.name.startswith("sessionkit")]
    assert logged, "the failure is logged"


def test_cache_engine_keeps_the_visitor_through_a_cache_that_stops_answering(
    own_redis: Server, settings: Any
) -> None:
    """A cache that does not answer for a while is not an empty cache: the visitor is served
    without the session meanwhile, keeps the cookie, and has the session back after."""
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "own_redis"
    browser = Client(raise_request_exception=False)
    visit(browser, "/page/")
    visit(browser, "/set/", cart="book-1")
    own_redis.pause()
    try:
        response = browser.get("/page/")
        assert response.status_code == 200
        assert response.json()["is_valid"] is False
        assert COOKIE not in response.cookies, "the visitor's cookie is left alone"
    finally:
        own_redis.resume()
    assert visit(browser, "/").json()["data"] == {"cart": "book-1"}


def sessions_on_own_memcached(settings: Any, **options: float) -> None:
    """The cache engine on the test's own Memcached, whose HashClient gets ``options`` (how
    it retries a failing server and gives up on it) beside short timeouts."""
    settings.CACHES = {
        **settings.CACHES,
        "own_memcached": {
            **settings.CACHES["own_memcached"],
            "OPTIONS": {"connect_timeout": 0.5, "timeout": 0.5, **options},
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "own_memcached"


def test_cache_engine_keeps_the_visitor_through_a_memcached_given_up_on_and_back(
    own_memcached: Server, settings: Any
) -> None:
    """A Memcached that stops answering long enough for pymemcache to give up on it (here
    after two failures, and back at once: ``dead_timeout`` 0): the visitor is served without
    the session meanwhile and has it back after, with the data saved before. (With
    pymemcache's default ``dead_timeout`` of 60 s, a server given up on stays out for one to
    two minutes after it answers again, on Django's engine as on sessionkit's.)"""
    sessions_on_own_memcached(settings, retry_attempts=1, retry_timeout=0, dead_timeout=0)
    browser = Client(raise_request_exception=False)
    visit(browser, "/page/")
    visit(browser, "/set/", cart="book-1")
    own_memcached.pause()
    try:
        for _ in range(4):  # failed, failed again, given up on, tried again
            response = visit(browser, "/page/")
            assert response.json()["is_valid"] is False
            assert COOKIE not in response.cookies, "the visitor's cookie is left alone"
    finally:
        own_memcached.resume()
    assert visit(browser, "/").json()["data"] == {"cart": "book-1"}
    assert visit(browser, "/page/").json()["num_requests"] == 4, "2 before, this one and /"


def test_a_memcached_server_that_failed_is_not_waited_for_again_before_its_retry_time(
    own_memcached: Server, settings: Any
) -> None:
    """pymemcache's HashClient remembers a server that failed and, until ``retry_timeout``
    has passed, answers for it without asking it: a paused Memcached costs one timeout, not
    one per request. sessionkit's loads (which skip the HashClient's choice of a server when
    there is only one) keep that bookkeeping."""
    from django.core.cache import caches

    sessions_on_own_memcached(settings, retry_timeout=600)
    browser = Client(raise_request_exception=False)
    visit(browser, "/set/", cart="book-1")
    failed = caches["own_memcached"]._cache._failed_clients
    own_memcached.pause()
    try:
        assert visit(browser, "/page/").json()["is_valid"] is False
        assert list(failed) == [("127.0.0.1", services.OWN_MEMCACHED_PORT)], "marked failed"
        first_failure = dict(next(iter(failed.values())))
        for _ in range(3):
            assert visit(browser, "/page/").json()["is_valid"] is False
        assert next(iter(failed.values())) == first_failure, "not asked again meanwhile"
    finally:
        own_memcached.resume()
