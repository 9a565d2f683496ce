"""The cache engine's access to Django's caches (the shared engine suite covers its behaviour)."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from sessionkit.backends import cache as cache_module
from sessionkit.backends.cache import SessionStore
from sessionkit.backends.cached_db import SessionStore as CachedDBStore
from tests import services


def connections_received(probe: redis.Redis) -> int:
    return int(probe.info("stats")["total_connections_received"])


@pytest.fixture
def on_django_redis_cache(settings: Any) -> None:
    services.need("redis")
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis"


def in_a_new_context(function: Any) -> Any:
    """Run ``function`` as an ASGI request runs: in a context of its own, where Django's
    caches (local to the context) are new objects."""
    return contextvars.Context().run(function)


def test_a_request_with_a_new_cache_object_opens_no_new_connection(
    on_django_redis_cache: None,
) -> None:
    """Under ASGI every request gets a new RedisCache, each with a connection pool of its own:
    Django's cache engine connects to Redis anew on every request. sessionkit's shares one
    client per server and options."""
    assert in_a_new_context(lambda: caches["redis"]) is not caches["redis"]
    store = SessionStore()
    store["visits"] = 1
    store.save()
    key = store.session_key

    def request() -> None:
        session = SessionStore(key)
        session["visits"] += 1
        session.save()

    in_a_new_context(request)
    probe = redis.Redis(*services.REDIS)
    before = connections_received(probe)
    for _ in range(20):
        in_a_new_context(request)
    assert connections_received(probe) - before == 0
    assert SessionStore(key)["visits"] == 22


class OtherDatabaseClient(RedisCacheClient):
    """A client of one's own that chooses its pool itself (a tenant's Redis, say): here
    database 9 of the same server, whatever LOCATION says."""

    def _get_connection_pool(self, write: bool) -> Any:
        if "own" not in self._pools:
            host, port = services.REDIS
            self._pools["own"] = self._pool_class.from_url(
                f"redis://{host}:{port}/9", **self._pool_options
            )
        return self._pools["own"]


class OtherDatabaseCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = OtherDatabaseClient


def test_a_client_of_ones_own_chooses_the_server(settings: Any) -> None:
    """Sessions go where the cache's own client sends them, not to LOCATION."""
    services.need("redis")
    settings.CACHES = {
        **settings.CACHES,
        "own_client": {
            **settings.CACHES["redis"],
            "BACKEND": f"{__name__}.OtherDatabaseCache",
            "KEY_PREFIX": "sessionkit-tests-own-client",
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "own_client"
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.save()
    database_9 = redis.Redis(*services.REDIS, db=9)
    try:
        assert database_9.keys("sessionkit-tests-own-client*"), "stored where the client says"
        assert not redis.Redis(*services.REDIS, db=15).keys("sessionkit-tests-own-client*")
        assert SessionStore(store.session_key)["_auth_user_id"] == "1"
    finally:
        for name in database_9.keys("sessionkit-tests-own-client*"):
            database_9.delete(name)


def test_a_cache_with_options_that_cannot_be_hashed_still_works(settings: Any) -> None:
    services.need("redis")
    settings.CACHES = {
        **settings.CACHES,
        "redis_unhashable": {
            **settings.CACHES["redis"],
            "OPTIONS": {"health_check_interval": 30, "retry_on_error": [TimeoutError]},
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis_unhashable"
    shared = dict(cache_module._clients)
    store = SessionStore()
    store["theme"] = "dark"
    store.save()
    assert SessionStore(store.session_key)["theme"] == "dark"
    assert cache_module._clients == shared, "Django's own pool, not a shared one"


def test_past_the_limit_a_new_configuration_is_not_shared(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Options made anew for each cache object must not fill the process with pools."""
    services.need("redis")
    settings.CACHES = {
        **settings.CACHES,
        "redis_over_the_limit": {**settings.CACHES["redis"], "OPTIONS": {"socket_timeout": 7}},
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis_over_the_limit"
    monkeypatch.setattr(cache_module, "MAX_SHARED_CLIENTS", len(cache_module._clients))
    shared = dict(cache_module._clients)
    store = SessionStore()
    store["theme"] = "dark"
    store.save()
    assert SessionStore(store.session_key)["theme"] == "dark"
    assert cache_module._clients == shared


def test_with_replicas_writes_go_to_the_first_server_and_reads_to_a_replica(
    settings: Any,
) -> None:
    """A cache with one server keeps the client it found; one with replicas does not, as each
    read picks its replica: the store reads and writes where Django's own client would."""
    services.need("redis")
    primary, replica = (
        settings.CACHES["redis"]["LOCATION"].rsplit("/", 1)[0] + f"/{db}" for db in (11, 12)
    )
    settings.CACHES = {
        **settings.CACHES,
        "redis_replicas": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": [primary, replica],
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis_replicas"
    on_primary = redis.Redis.from_url(primary)
    on_replica = redis.Redis.from_url(replica)
    on_primary.flushdb()
    on_replica.flushdb()
    store = SessionStore()
    store["theme"] = "dark"
    store.save()
    try:
        written = on_primary.keys("*")
        assert len(written) == 1 and not on_replica.keys("*")
        assert SessionStore(store.session_key).get("theme") is None, "read from the replica"
        on_replica.set(written[0], on_primary.get(written[0]))  # the replica catches up
        for _ in range(3):
            assert SessionStore(store.session_key).get("theme") == "dark"
    finally:
        on_primary.flushdb()
        on_replica.flushdb()


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_a_server_that_forgot_the_scripts_is_taught_them_again(
    own_redis: Any, settings: Any, engine: str
) -> None:
    """A save is one EVALSHA; a Redis that lost its scripts (restarted, flushed, or a new
    server) answers NOSCRIPT, and the save loads the script and goes on."""
    settings.SESSION_ENGINE = f"sessionkit.backends.{engine}"
    settings.SESSION_CACHE_ALIAS = "own_redis"
    store_class = SessionStore if engine == "cache" else CachedDBStore
    store = store_class()
    store["visits"] = 1
    store.save()
    probe = redis.Redis("127.0.0.1", services.OWN_REDIS_PORT)
    for visits in (2, 3):
        probe.script_flush()
        session = store_class(store.session_key)
        session["visits"] += 1
        session.save()
        assert store_class(store.session_key)["visits"] == visits
    cached = probe.get(caches["own_redis"].make_key(cache_module.cache_key(store.stored_key)))
    assert cached is not None and cached.startswith(b"3|")  # the cache holds the new version


@pytest.fixture
def hashed_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keys pymemcache's HashClient hashed to choose a server for them."""
    from pymemcache.client.hash import HashClient

    hashed: list[str] = []
    choose = HashClient._get_client

    def spy(self: HashClient, key: str) -> Any:
        hashed.append(key)
        return choose(self, key)

    monkeypatch.setattr(HashClient, "_get_client", spy)
    return hashed


def test_one_memcached_server_loads_and_saves_without_hashing_the_key(
    settings: Any, hashed_keys: list[str]
) -> None:
    """With one server, a load and a save go straight to it: the HashClient would spend 13 µs
    of pure-Python murmur3 per command choosing the only server there is."""
    services.need("memcached")
    settings.SESSION_CACHE_ALIAS = "memcached"
    store = SessionStore()
    store["visits"] = 1
    store.save()
    hashed_keys.clear()

    session = SessionStore(store.session_key)
    session["visits"] += 1
    session.save()
    assert hashed_keys == []
    assert SessionStore(store.session_key)["visits"] == 2


def test_several_memcached_servers_are_chosen_by_the_hash_client(
    settings: Any, own_memcached: Any, hashed_keys: list[str]
) -> None:
    """With two servers, every load and save goes the HashClient's way: it chooses the
    server from the key."""
    services.need("memcached")
    host, port = services.MEMCACHED
    settings.CACHES = {
        **settings.CACHES,
        "two_memcached": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": [f"{host}:{port}", f"127.0.0.1:{services.OWN_MEMCACHED_PORT}"],
        },
    }
    settings.SESSION_CACHE_ALIAS = "two_memcached"
    keys = []
    for n in range(20):
        store = SessionStore()
        store["n"] = n
        store.save()
        keys.append(store.session_key)
    hashed_keys.clear()
    for key in keys:
        session = SessionStore(key)
        session["n"] += 100
        session.save()
    assert [SessionStore(key)["n"] for key in keys] == list(range(100, 120))
    assert len(hashed_keys) >= 40, "each load and save chose its server"
    on_own = caches["two_memcached"]._cache.clients[f"127.0.0.1:{services.OWN_MEMCACHED_PORT}"]
    assert 0 < on_own.stats()[b"curr_items"] < 20, "the sessions are spread over both"


def test_without_pymemcaches_failure_handling_commands_go_the_hash_clients_way(
    settings: Any, hashed_keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shortcut past the HashClient's choice of a server runs the HashClient's private
    ``_safely_run_func``; a pymemcache without it gets every command the HashClient's way,
    not an error on every request."""
    services.need("memcached")
    settings.SESSION_CACHE_ALIAS = "memcached"
    monkeypatch.setattr(cache_module, "_SAFELY_RUN", None)
    store = SessionStore()
    store["visits"] = 1
    store.save()
    hashed_keys.clear()

    session = SessionStore(store.session_key)
    session["visits"] += 1
    session.save()
    assert len(hashed_keys) == 2, "the load and the save, each through the HashClient"
    assert SessionStore(store.session_key)["visits"] == 2
