"""redis: the native Redis engine's own promises (the shared suite in tests/test_backends.py
holds it to everything the other engines do, on one server, a Sentinel set and a Cluster).

One round trip per load and per save (counted by the server itself), the key layout and TTL,
clients built once, replicas confirming writes, configuration errors, and a store that is
down: the page is served, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured
from django.test import AsyncClient, Client

from sessionkit.backends import redis as engine_module
from sessionkit.backends.redis import Config, NotReplicated, SessionStore, connections
from tests import services
from tests.services import DEAD_PORT

pytestmark = pytest.mark.django_db
COOKIE = "sessionid"


@pytest.fixture
def single(settings: Any) -> dict[str, Any]:
    services.need("redis")
    host, port = services.REDIS
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {"URL": f"redis://{host}:{port}/13"}
    return dict(settings.SESSIONKIT_REDIS)


def commands(client: Any) -> dict[str, int]:
    """How many times the server ran each command so far (INFO commandstats)."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def counted(client: Any, action: Any) -> dict[str, int]:
    before = commands(client)
    action()
    after = commands(client)
    ran = {name: after[name] - before.get(name, 0) for name in after}
    return {name: n for name, n in ran.items() if n and name != "info"}


def test_one_round_trip_per_load_and_per_save(single: dict[str, Any]) -> None:
    warm = SessionStore()
    warm["a"] = 0
    warm.save()  # connections opened, script loaded
    client = connections().sync()
    store = SessionStore()
    store["a"] = 1
    assert counted(client, store.save) == {"set": 1}
    key = store.session_key
    loaded = SessionStore(key)
    assert counted(client, loaded.load) == {"get": 1}
    loaded["a"] = 2
    # One EVALSHA; the GET and SET it counts too run inside the script, on the server.
    assert counted(client, loaded.save) == {"evalsha": 1, "get": 1, "set": 1}
    # Ending removes both forms of the key (plain and hashed), whatever the settings now.
    assert counted(client, loaded.delete) == {"del": 2}


def test_one_key_per_session_expiring_with_it(single: dict[str, Any], settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 600
    store = SessionStore()
    store["a"] = 1
    store.save()
    client = connections().sync()
    name = f"sessionkit:{{{store.stored_key}}}"
    assert client.exists(name)
    assert 590 <= client.ttl(name) <= 600, "the record's TTL is the session's expiry"
    assert client.get(name).startswith(b"1|"), "plain version|expires|data bytes, not pickled"
    settings.SESSIONKIT_REDIS = {**single, "KEY_PREFIX": "site-a:"}
    other = SessionStore()
    other.save()
    assert client.exists(f"site-a:{{{other.stored_key}}}")


def test_clients_are_built_once_per_process(single: dict[str, Any], settings: Any) -> None:
    first, second = SessionStore(), SessionStore()
    assert first._redis is second._redis
    assert first._redis.sync() is second._redis.sync()
    settings.SESSIONKIT_REDIS = dict(single)  # an equal setting, as override_settings makes
    assert SessionStore()._redis is first._redis

    async def loop_client() -> Any:
        return connections().for_loop(), connections().for_loop()

    one, again = async_to_sync(loop_client)()
    assert one is again, "one async client per event loop"


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "needs SESSIONKIT_REDIS"),
        ("redis://x", "must be a dict"),
        ({}, "exactly one of 'URL', 'CLUSTER' or 'SENTINELS'"),
        ({"URL": "redis://x", "CLUSTER": ["a:1"]}, "exactly one of"),
        ({"CLUSTER": ["no-port"]}, "neither 'host:port' nor ('host', port)"),
        ({"SENTINELS": [("h", 26379)]}, "needs 'SERVICE' too"),
        (
            {"URL": "redis://x", "WAIT_TIMEOUT_MS": 500, "OPTIONS": {"socket_timeout": 0.5}},
            "must be longer than WAIT_TIMEOUT_MS",
        ),
    ],
)
def test_configuration_errors_say_what_to_write(settings: Any, value: Any, message: str) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    if value is None:
        del settings.SESSIONKIT_REDIS
    else:
        settings.SESSIONKIT_REDIS = value
    with pytest.raises(
        ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        SessionStore()


def test_configuration_forms() -> None:
    cluster = Config.parse({"CLUSTER": ["10.0.0.1:7000", ("10.0.0.2", 7001)]})
    assert cluster.nodes == (("10.0.0.1", 7000), ("10.0.0.2", 7001))
    sentinel = Config.parse({"SENTINELS": ["h:26379"], "SERVICE": "main", "WAIT_REPLICAS": 1})
    assert (sentinel.kind, sentinel.service, sentinel.wait_replicas) == ("sentinel", "main", 1)
    options = Config.parse({"URL": "redis://x", "OPTIONS": {"socket_timeout": 5}}).options
    assert options["socket_timeout"] == 5
    waiting = Config.parse({"URL": "redis://x", "WAIT_TIMEOUT_MS": 500}).options
    assert waiting["socket_timeout"] == 1.5, "a read outlasts the wait for replicas"
    assert (
        options["socket_connect_timeout"]
        == engine_module.DEFAULT_OPTIONS["socket_connect_timeout"]
    )


def test_writes_wait_for_replicas(
    settings: Any, shared_redis_sentinel: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    base = {"SENTINELS": shared_redis_sentinel.sentinels, "SERVICE": "sessionkit"}
    settings.SESSIONKIT_REDIS = {**base, "WAIT_REPLICAS": 1}
    store = SessionStore()
    store["a"] = 1
    store.save()  # the set has one replica: confirmed
    loaded = SessionStore(store.session_key)
    loaded["a"] = 2
    loaded.save()
    assert SessionStore(store.session_key)["a"] == 2

    settings.SESSIONKIT_REDIS = {**base, "WAIT_REPLICAS": 2, "WAIT_TIMEOUT_MS": 50}
    with pytest.raises(NotReplicated, match="confirmed by 1 of the 2 replicas"):
        SessionStore(store.session_key).delete()
    with pytest.raises(NotReplicated):
        saved = SessionStore()
        saved["a"] = 1
        saved.save()
    browser = Client()
    with caplog.at_level(logging.ERROR, logger="sessionkit.middleware"):
        assert browser.get("/set/", {"a": "1"}).status_code == 200
    assert any("NotReplicated" in record.getMessage() for record in caplog.records)


def test_writes_wait_for_replicas_async(settings: Any, shared_redis_sentinel: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    base = {"SENTINELS": shared_redis_sentinel.sentinels, "SERVICE": "sessionkit"}
    settings.SESSIONKIT_REDIS = {**base, "WAIT_REPLICAS": 1}

    async def body(expect_failure: bool) -> None:
        store = SessionStore()
        await store.aset("a", 1)
        if expect_failure:
            with pytest.raises(NotReplicated):
                await store.asave()
        else:
            await store.asave()
            assert await SessionStore(store.session_key).aget("a") == 1

    async_to_sync(body)(False)
    settings.SESSIONKIT_REDIS = {**base, "WAIT_REPLICAS": 2, "WAIT_TIMEOUT_MS": 50}
    async_to_sync(body)(True)


def test_a_store_that_is_down_serves_pages(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {
        "URL": f"redis://127.0.0.1:{DEAD_PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
    browser = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="sessionkit.middleware"):
        assert browser.get("/page/").status_code == 200  # a new visitor: nothing to load
        assert browser.get("/set/", {"a": "1"}).status_code == 200
        returning = Client(raise_request_exception=False)
        returning.cookies[COOKIE] = "k" * 32
        shown = returning.get("/page/")  # its load fails
        assert shown.status_code == 200
        assert shown.json()["is_valid"] is False
    assert any("without a session" in record.getMessage() for record in caplog.records)

    async def async_page() -> Any:
        returning = AsyncClient()
        returning.cookies[COOKIE] = "k" * 32
        return await returning.get("/page/")

    assert async_to_sync(async_page)().status_code == 200


def test_a_new_visitors_logout_with_the_store_down_serves_the_page(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A session whose key was issued on this request was never stored: with the store down,
    a logout (``flush()``) has nothing to end and serves the page, as with Django's engines
    (which do not ask the store for a session without a key), over WSGI and ASGI."""
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {
        "URL": f"redis://127.0.0.1:{DEAD_PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2},
    }
    with caplog.at_level(logging.WARNING, logger="sessionkit.middleware"):
        assert Client(raise_request_exception=False).get("/logout/").status_code == 200

        async def async_logout() -> Any:
            return await AsyncClient(raise_request_exception=False).get("/logout/")

        assert async_to_sync(async_logout)().status_code == 200
    assert any("never stored" in record.getMessage() for record in caplog.records)
    # A returning visitor's load fails first: the request goes on without a session, and its
    # logout ends nothing either (the session is ended when the store is back and it logs out).
    returning = Client(raise_request_exception=False)
    returning.cookies[COOKIE] = "k" * 32
    assert returning.get("/logout/").status_code == 200


def test_cached_db_fronted_by_the_engines_client(settings: Any, shared_redis_cluster: Any) -> None:
    """SESSIONKIT_CACHED_DB_CACHE = "redis": a Redis Cluster in front of the database."""
    from sessionkit.backends.cached_db import SessionStore as CachedDB

    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSIONKIT_CACHED_DB_CACHE = "redis"
    settings.SESSIONKIT_REDIS = {"CLUSTER": shared_redis_cluster.nodes}
    store = CachedDB()
    store["a"] = 1
    store.save()
    client = connections().sync()
    assert client.get(f"{{sessionkit:{store.stored_key}}}").startswith(b"1|")
    name = f"{{sessionkit:{store.stored_key}}}"
    store.flush()
    assert client.get(name) == b"sessionkit:ended", "a tombstone where the session was"


def test_an_unknown_cached_db_cache_is_a_clear_error(settings: Any) -> None:
    from sessionkit.backends.cached_db import SessionStore as CachedDB

    settings.SESSIONKIT_CACHED_DB_CACHE = "memcached"
    with pytest.raises(ImproperlyConfigured, match="'django'.*'redis'"):
        CachedDB()
