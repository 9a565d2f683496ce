"""cached_db: reads come from the cache; a cache that is down or evicts never breaks a session."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessionkit.backends.cache import cache_key
from sessionkit.backends.cached_db import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached_db(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "locmem"


@pytest.fixture
def dead_cache(settings: Any) -> None:
    """The cache points at a port where nothing listens."""
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "dead_redis"


def saved(**data: Any) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_reads_hit_the_cache_first(cached_db: None) -> None:
    key = saved(a=1).session_key
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load() == {"a": 1}
    assert len(queries) == 0


def test_an_evicted_session_is_read_from_the_database_and_cached_again(cached_db: None) -> None:
    key = saved(a=1).session_key
    caches["locmem"].delete(cache_key(key))
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(key).load() == {"a": 1}
    assert len(queries) == 1
    assert caches["locmem"].get(cache_key(key)) is not None


def test_whole_api_works_with_the_cache_down(
    dead_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="sessionkit.backends.cached_db"):
        store = saved(a=1)
        key = store.session_key
        loaded = SessionStore(key)
        assert loaded.load() == {"a": 1}
        assert loaded.exists(key)
        loaded["b"] = 2
        loaded.save()
        assert SessionStore(key).load() == {"a": 1, "b": 2}
        loaded.cycle_key()
        assert not loaded.exists(key)
        assert SessionStore(loaded.session_key).load() == {"a": 1, "b": 2}
        loaded.flush()
        assert loaded.session_key is None
    failures = [r for r in caplog.records if r.name == "sessionkit.backends.cached_db"]
    assert failures, "a cache failure must be logged"
    assert "dead_redis" in failures[0].getMessage()


def test_async_api_works_with_the_cache_down(dead_cache: None) -> None:
    async def body() -> None:
        store = SessionStore()
        await store.aset("a", 1)
        await store.asave()
        loaded = SessionStore(store.session_key)
        assert await loaded.aload() == {"a": 1}
        assert await loaded.aexists(store.session_key)
        await loaded.adelete()
        assert not await loaded.aexists(store.session_key)

    async_to_sync(body)()


def test_pages_are_served_with_the_cache_down(dead_cache: None, client: Any) -> None:
    response = client.get("/set/", {"cat": "Milo"})
    assert response.status_code == 200
    response = client.get("/")
    assert response.json()["data"] == {"cat": "Milo"}


def test_a_stale_cache_does_not_stall_a_save(cached_db: None) -> None:
    """A save that loses to another resolves against the database, not the (stale) cache."""
    key = saved(a=1).session_key
    stale = caches["locmem"].get(cache_key(key))
    first, second = SessionStore(key), SessionStore(key)
    first.get("a")
    second.get("a")
    first["x"] = 1
    first.save()
    caches["locmem"].set(cache_key(key), stale)  # as if the cache write had failed
    second["y"] = 2
    with CaptureQueriesContext(connection) as queries:
        second.save()
    assert len(queries) == 3  # the losing UPDATE, one read of the database, the winning UPDATE
    assert SessionStore(key).load() == {"a": 1, "x": 1, "y": 2}
