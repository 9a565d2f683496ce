"""Cache sessions: any Django cache backend, chosen by ``SESSION_CACHE_ALIAS``.

A record is stored with a timeout that ends with the session. Creating uses "add" (fails on a
taken key); a save is conditional — it writes only if the stored version is still the one this
request loaded — in one round trip where the backend allows: a Lua compare-and-set on Redis
(Django's RedisCache and django-redis), ``gets``/``cas`` on Memcached. Other backends
(LocMemCache) compare and write under a process-wide lock. Django's engine reads the key once
more before every write and overwrites what another request saved.
"""

from __future__ import annotations

import math
import threading
import time
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.memcached import PyMemcacheCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from sessionkit.adoption import DjangoCache, Source
from sessionkit.backends import redis_records
from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.conf import conf, django_setting
from sessionkit.exceptions import SessionStoreUnavailable
from sessionkit.keys import StoredKey

ENDED = "sessionkit:ended"
"""What cached_db leaves in its cache where a session ended (a tombstone): no later fill or
write-through may replace it, so a cache can never bring an ended session back. (On Redis,
``redis_records.ENDED``.)"""


class Ended:
    """A tombstone read from a cache."""


TOMBSTONE = Ended()


def cache_key(stored: StoredKey) -> str:
    return conf.SESSIONKIT_CACHE_KEY_PREFIX + stored


def record_from_cache(value: Any, version: Any = None) -> Record | None:
    """The record a cache returned, or None for a miss or a value sessionkit did not write.
    ``version`` replaces the stored one (Memcached's CAS token)."""
    if isinstance(value, tuple) and len(value) == 3:
        data, expires_at, stored_version = value
        if isinstance(data, str) and isinstance(expires_at, (int, float)):
            return Record(
                data, float(expires_at), int(stored_version if version is None else version)
            )
    return None


def entry_from_cache(value: Any) -> Record | Ended | None:
    return TOMBSTONE if value == ENDED else record_from_cache(value)


def cache_value(record: Record) -> tuple[str, float, int]:
    return (record.data, record.expires_at, record.version)


def cache_timeout(record: Record, longest: int | None = None) -> int:
    """Seconds the cache should keep ``record``: until it expires (or ``longest``), at least 1."""
    seconds = max(1, math.ceil(record.expires_at - time.time()))
    return seconds if longest is None else min(seconds, longest)


class CacheAccess:
    """Records in any Django cache: the portable calls, made atomic within the process.

    Used for LocMemCache (which lives in one process anyway) and any other backend. A
    conditional update reads, compares the version and writes under a process-wide lock.

    Two sets of operations: ``read``/``create``/``update`` for the cache engine, where the
    cache is the store; ``entry``/``fill``/``put``/``end`` for cached_db, where it is a copy
    of the database that must never outlive an ended session.
    """

    _lock = threading.Lock()

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def __str__(self) -> str:
        return str(self.cache)  # as Django's cached_db names its cache in log messages

    # --- the cache as the store ---------------------------------------------------------------

    def read(self, key: str) -> Record | None:
        return record_from_cache(self.cache.get(key))

    def create(self, key: str, record: Record) -> bool:
        return bool(self.cache.add(key, cache_value(record), cache_timeout(record)))

    def update(self, key: str, record: Record, expected_version: int | None) -> bool:
        with self._lock:
            current = self.read(key)
            if current is None or (
                expected_version is not None and current.version != expected_version
            ):
                return False
            self.cache.set(key, cache_value(record), cache_timeout(record))
            return True

    def delete(self, key: str) -> bool:
        """Under the lock of ``update``: a save between its read and its write would otherwise
        bring back a session deleted in between."""
        with self._lock:
            return bool(self.cache.delete(key))

    # --- the cache as a copy of the database (cached_db) -----------------------------------

    def entry(self, key: str) -> Record | Ended | None:
        return entry_from_cache(self.cache.get(key))

    def fill(self, key: str, record: Record, timeout: int) -> None:
        """Copy a record read from the database, unless the cache holds anything already: a
        newer record, or a tombstone written since that read."""
        self.cache.add(key, cache_value(record), timeout)

    def put(self, key: str, record: Record, timeout: int) -> None:
        """Copy a record just written to the database, unless the cache holds a tombstone or a
        newer version (a save that won after this one)."""
        with self._lock:
            current = self.entry(key)
            if current is TOMBSTONE or (
                isinstance(current, Record) and current.version >= record.version
            ):
                return
            self.cache.set(key, cache_value(record), timeout)

    def end(self, key: str, timeout: int) -> None:
        """Leave a tombstone where the session was (under the lock of ``put``, which would
        otherwise overwrite a tombstone written between its check and its write)."""
        with self._lock:
            self.cache.set(key, ENDED, timeout)


class RedisAccess(CacheAccess):
    """Django's RedisCache and django-redis, through their Redis client.

    Records are stored as plain ``version|expires_at|data`` bytes (not pickled) so that a
    Lua script can compare versions on the server: a conditional save is one round trip.
    """

    def __init__(self, cache: BaseCache) -> None:
        super().__init__(cache)
        self.django_redis = not isinstance(cache, RedisCache)

    def _client(self, key: str, write: bool) -> tuple[Any, Any]:
        cache: Any = self.cache
        if self.django_redis:
            return cache.client.make_key(key), cache.client.get_client(write=write)
        # make_key, not make_and_validate_key: Redis takes any key, and Django's validation
        # only warns about keys Memcached would refuse, looping over every character in
        # Python (20k instructions, a tenth of a read-only load); the part of the key that
        # comes from the request is a checked session key.
        backend_key = cache.make_key(key)
        return backend_key, _shared_client(cache._cache, backend_key, write)

    def read(self, key: str) -> Record | None:
        backend_key, client = self._client(key, write=False)
        return redis_records.loads(client.get(backend_key))

    def create(self, key: str, record: Record) -> bool:
        backend_key, client = self._client(key, write=True)
        value = redis_records.dumps(record)
        return bool(client.set(backend_key, value, ex=cache_timeout(record), nx=True))

    def update(self, key: str, record: Record, expected_version: int | None) -> bool:
        backend_key, client = self._client(key, write=True)
        value, timeout = redis_records.dumps(record), cache_timeout(record)
        if expected_version is None:
            return bool(client.set(backend_key, value, ex=timeout, xx=True))
        args = (expected_version, value, timeout)
        cas, sha = redis_records.CAS, redis_records.CAS_SHA
        return bool(redis_records.run_script(client, cas, sha, backend_key, *args) == 1)

    def entry(self, key: str) -> Record | Ended | None:
        backend_key, client = self._client(key, write=False)
        value = client.get(backend_key)
        return TOMBSTONE if value == redis_records.ENDED else redis_records.loads(value)

    def fill(self, key: str, record: Record, timeout: int) -> None:
        backend_key, client = self._client(key, write=True)
        client.set(backend_key, redis_records.dumps(record), ex=timeout, nx=True)

    def put(self, key: str, record: Record, timeout: int) -> None:
        backend_key, client = self._client(key, write=True)
        args = (record.version, redis_records.dumps(record), timeout, redis_records.ENDED)
        redis_records.run_script(
            client, redis_records.PUT, redis_records.PUT_SHA, backend_key, *args
        )

    def delete(self, key: str) -> bool:
        backend_key, client = self._client(key, write=True)
        return bool(client.delete(backend_key))

    def end(self, key: str, timeout: int) -> None:
        backend_key, client = self._client(key, write=True)
        client.set(backend_key, redis_records.ENDED, ex=timeout)


_NAMING = frozenset({"driver_info", "lib_name", "lib_version"})
"""Pool options that only name the client to the server (``CLIENT SETINFO``): Django 6.1 gives
every cache object a new ``DriverInfo`` (which cannot be hashed), so they are not compared."""
MAX_SHARED_CLIENTS = 64
"""Shared clients kept at most (one per server and options: a site has a handful)."""
_clients: dict[tuple[Any, ...], Any] = {}
"""One redis.Redis, and its connection pool, per server and options of Django's RedisCache."""
_KNOWN_CLIENT = "_sessionkit_shared_client"
"""Where the shared client is kept on the RedisCacheClient that found it (one server only):
found again from its options on every call, it cost 9k instructions (a cache object lives
as long as its thread under WSGI, and a request's context under ASGI)."""


def _shared_client(backend: Any, backend_key: str, write: bool) -> Any:
    """A client of the server Django's RedisCacheClient ``backend`` would use, shared by the
    whole process.

    Django's RedisCacheClient opens a connection pool per cache object, and its caches are
    local to each request's context under ASGI: every request there would connect to Redis
    anew (measured: 1.0 new connection per request under uvicorn, 0.005 under gunicorn). It
    also builds a new redis.Redis (and its table of ~170 response callbacks) on every call.
    Both are thread-safe, and redis-py's pool starts afresh in a forked child, so one per
    server and options will do. A client class of one's own (which may choose its server or
    pool itself: a tenant's Redis, say), options that cannot be compared, or more
    configurations than :data:`MAX_SHARED_CLIENTS` keep Django's own way.
    """
    if type(backend) is not RedisCacheClient:
        return backend.get_client(backend_key, write=write)  # a client of one's own: its rules
    django: Any = backend  # (the attributes below are Django's own, not in its type stubs)
    known = django.__dict__.get(_KNOWN_CLIENT)
    if known is not None:
        return known
    server = django._servers[django._get_connection_pool_index(write)]
    options = django._pool_options
    compared = sorted((name, value) for name, value in options.items() if name not in _NAMING)
    config = (server, django._pool_class, django._client, *compared)
    try:
        client = _clients.get(config)
    except TypeError:  # an option that cannot be hashed
        return backend.get_client(backend_key, write=write)
    if client is None:
        if len(_clients) >= MAX_SHARED_CLIENTS:  # options made anew per cache object
            return backend.get_client(backend_key, write=write)
        pool = django._pool_class.from_url(server, **options)
        client = _clients.setdefault(config, django._client(connection_pool=pool))
    if len(django._servers) == 1:  # (with replicas, each read picks one: found again each time)
        django.__dict__[_KNOWN_CLIENT] = client
    return client


try:
    from pymemcache.client.hash import HashClient as _HashClient
except ImportError:  # (no pymemcache: no PyMemcacheCache either)
    _HashClient = None
_SAFELY_RUN = getattr(_HashClient, "_safely_run_func", None)
"""pymemcache's HashClient's handling of a failing server (private: where a release of
pymemcache no longer has it, every command goes the HashClient's way)."""


class MemcachedAccess(CacheAccess):
    """PyMemcacheCache, through its client: ``gets`` reads the CAS token with the value, and
    ``cas`` writes only if nobody wrote since — the token is the record's version."""

    def _client(self, key: str) -> tuple[str, Any]:
        cache: Any = self.cache
        return cache.make_and_validate_key(key), cache._cache

    @staticmethod
    def _call(client: Any, command: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        """``client.<command>(*args, **kwargs)`` on Django's ``HashClient`` (the first
        argument is the key; ``default`` is what the HashClient answers for a failing server).

        With one server, not given up on, straight to that server's client, through the
        HashClient's own handling of a failing server (``_safely_run_func``: its retries and
        ``default``): the HashClient would hash the key to choose among its servers first,
        13 µs of pure-Python murmur3 per command to choose the only one, a tenth of a load.
        Anything else (several servers, one given up on, a client of one's own) goes the
        HashClient's way."""
        state = client.__dict__ if type(client) is _HashClient else {}
        servers, given_up_on = state.get("clients"), state.get("_dead_clients")
        if _SAFELY_RUN is not None and given_up_on == {} and servers and len(servers) == 1:
            (server,) = servers.values()
            return _SAFELY_RUN(client, server, getattr(server, command), default, *args, **kwargs)
        return getattr(client, command)(*args, **kwargs)

    def _store(self, client: Any, command: str, *args: Any) -> Any:
        """A storage command (``add``, ``replace``, ``cas``), waiting for its answer."""
        return self._call(client, command, False, *args, noreply=False)

    def _gets(self, client: Any, backend_key: str) -> tuple[Any, Any]:
        found = self._call(client, "gets", None, backend_key)
        if found is None:  # pymemcache's HashClient answers so for a server it gave up on
            raise SessionStoreUnavailable(f"Memcached ({self.cache}) is not answering.")
        return found  # type: ignore[no-any-return]

    def read(self, key: str) -> Record | None:
        backend_key, client = self._client(key)
        value, token = self._gets(client, backend_key)
        return None if token is None else record_from_cache(value, token)

    def update(self, key: str, record: Record, expected_version: int | None) -> bool:
        backend_key, client = self._client(key)
        value, timeout = cache_value(record), self.cache.get_backend_timeout(cache_timeout(record))
        if expected_version is None:
            return bool(self._store(client, "replace", backend_key, value, timeout))
        return self._store(client, "cas", backend_key, value, expected_version, timeout) is True

    def put(self, key: str, record: Record, timeout: int) -> None:
        backend_key, client = self._client(key)
        value = cache_value(record)
        for _ in range(3):  # another writer between gets and cas: look again
            current, token = self._gets(client, backend_key)
            entry = entry_from_cache(current)
            if entry is TOMBSTONE or (
                isinstance(entry, Record) and entry.version >= record.version
            ):
                return
            if token is None:
                if self._store(client, "add", backend_key, value, timeout):
                    return
            elif self._store(client, "cas", backend_key, value, token, timeout) is True:
                return


def access_for(cache: BaseCache) -> CacheAccess:
    if isinstance(cache, RedisCache) or type(cache).__module__.startswith("django_redis."):
        return RedisAccess(cache)
    if isinstance(cache, PyMemcacheCache):
        return MemcachedAccess(cache)
    return CacheAccess(cache)


class SessionStore(BaseStore):
    """Cache-backed sessions (``SESSION_ENGINE = "sessionkit.backends.cache"``)."""

    @cached_property
    def _access(self) -> CacheAccess:
        """The cache, taken at the first I/O rather than when the store is built: under ASGI
        the middleware builds the store on the event loop, and Django builds a cache anew in
        each request's context, which for some backends is I/O (``FileBasedCache`` makes its
        folder)."""
        return access_for(caches[django_setting("SESSION_CACHE_ALIAS")])

    def django_sources(self) -> list[Source]:
        """Django's cache engine's entries in the same cache."""
        return [DjangoCache(settings.SESSION_CACHE_ALIAS)]

    def _read(self, key: StoredKey) -> Record | None:
        # Django's engine takes a cache that fails on read for no session (#17810, about keys
        # some backends refuse; sessionkit checks keys before any store sees them): the visitor
        # would get a new session and lose theirs. Here the error reaches the middleware, which
        # serves the page without a session and keeps the visitor's cookie for when the cache
        # is back.
        return self._access.read(cache_key(key))

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        if create:
            return self._access.create(cache_key(key), record)
        return self._access.update(cache_key(key), record, expected_version)

    def _delete(self, key: StoredKey) -> bool:
        return self._access.delete(cache_key(key))

    def _exists(self, key: StoredKey) -> bool:
        return self._access.cache.has_key(cache_key(key))

    expires_itself = True

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Nothing to do: the cache drops each session when its timeout ends."""
        return 0

    @classmethod
    def _count_expired(cls) -> int:
        return 0
