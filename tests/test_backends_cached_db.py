"""cached_db: reads come from the cache; a cache that is down or evicts never breaks a session."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sessionkit.backends.cache import cache_key
from sessionkit.backends.cached_db import SessionStore
from sessionkit.backends.db import SessionStore as DBStore
from tests import services

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


CACHES_OF_CACHED_DB = [
    pytest.param("locmem", (), id="locmem"),
    pytest.param("redis", ("redis",), id="redis"),
    pytest.param("memcached", ("memcached",), id="memcached"),
    pytest.param("django_redis", ("redis",), id="django-redis"),
]


@pytest.mark.parametrize("alias, needs", CACHES_OF_CACHED_DB)
def test_a_write_through_never_covers_a_logout(
    settings: Any, monkeypatch: pytest.MonkeyPatch, alias: str, needs: tuple[str, ...]
) -> None:
    """A save wins in the database; a logout deletes the row and leaves a tombstone; the
    save's cache write comes last and must not bring the session back."""
    services.need(*needs)
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = alias
    store = saved(a=1)
    key = store.session_key
    original = DBStore._write

    def write_then_a_logout_lands(self: Any, *args: Any, **kwargs: Any) -> bool:
        monkeypatch.setattr(DBStore, "_write", original)
        won = original(self, *args, **kwargs)
        SessionStore(key).flush()
        return won

    monkeypatch.setattr(DBStore, "_write", write_then_a_logout_lands)
    store["b"] = 2
    store.save()
    assert SessionStore(key).load() == {}
    assert not SessionStore().exists(key)


@pytest.mark.parametrize("alias, needs", CACHES_OF_CACHED_DB)
def test_a_late_fill_never_covers_a_logout(
    settings: Any, monkeypatch: pytest.MonkeyPatch, alias: str, needs: tuple[str, ...]
) -> None:
    services.need(*needs)
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = alias
    key = saved(a=1).session_key
    caches[alias].clear()
    original = DBStore._read

    def read_then_a_logout_lands(self: Any, stored: Any) -> Any:
        monkeypatch.setattr(DBStore, "_read", original)
        record = original(self, stored)
        SessionStore(key).flush()
        return record

    monkeypatch.setattr(DBStore, "_read", read_then_a_logout_lands)
    assert SessionStore(key).load() == {"a": 1}  # read before the logout landed
    assert SessionStore(key).load() == {}, "the cache was not filled with the ended session"


def test_cached_copies_live_at_most_the_window(settings: Any) -> None:
    services.need("redis")
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "redis"
    settings.SESSIONKIT_CACHED_DB_MAX_AGE = 30
    store = saved(a=1)
    raw = caches["redis"]._cache.get_client(write=False)  # type: ignore[attr-defined]
    name = caches["redis"].make_key(cache_key(store.stored_key))
    assert 0 < raw.ttl(name) <= 30, "a session of two weeks is cached for 30 s at most"
    store.flush()
    assert 0 < raw.ttl(name) <= 30, "and so is the tombstone that replaces it"


@pytest.mark.django_db
def test_a_cache_that_cannot_even_be_built_leaves_the_database_to_serve(
    settings: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The cache is taken at the first I/O, inside the guard that falls back to the database:
    a file-based cache whose folder cannot be made fails there, and the session still works."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.CACHES = {
        **settings.CACHES,
        "unbuildable": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "unbuildable"
    settings.SESSIONKIT_CACHED_DB_CACHE = "django"
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        assert browser.get("/set/", {"a": "1"}).status_code == 200
        assert browser.get("/").json()["data"] == {"a": "1"}
    assert any("using the database" in record.getMessage() for record in caplog.records)
