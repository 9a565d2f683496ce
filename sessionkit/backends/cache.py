"""Cache sessions: any Django cache backend, chosen by ``SESSION_CACHE_ALIAS``.

A record is stored with a timeout that ends with the session. Creating uses "add" (fails on a
taken key); a save is conditional — it writes only if the stored version is still the one this
request loaded — in one round trip where the backend allows: a Lua compare-and-set on Redis
(Django's RedisCache and django-redis), ``gets``/``cas`` on Memcached. Other backends
(LocMemCache) compare and write under a process-wide lock. Django's engine reads the key once
more before every write and overwrites what another request saved.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.memcached import PyMemcacheCache
from django.core.cache.backends.redis import RedisCache

from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.conf import conf

logger = logging.getLogger("sessionkit.backends.cache")


def cache_key(session_key: str) -> str:
    return conf.SESSIONKIT_CACHE_KEY_PREFIX + session_key


def record_from_cache(value: Any) -> Record | None:
    """The record a cache returned, or None for a miss or a value sessionkit did not write."""
    if isinstance(value, tuple) and len(value) == 3:
        data, expires_at, version = value
        if isinstance(data, str) and isinstance(expires_at, int | float):
            return Record(data, float(expires_at), int(version))
    return None


def cache_value(record: Record) -> tuple[str, float, int]:
    return (record.data, record.expires_at, record.version)


def cache_timeout(record: Record) -> int:
    """Seconds the cache should keep ``record``: until it expires, and at least one."""
    return max(1, math.ceil(record.expires_at - time.time()))


class CacheAccess:
    """Records in any Django cache: the portable calls, made atomic within the process.

    Used for LocMemCache (which lives in one process anyway) and any other backend. A
    conditional update reads, compares the version and writes under a process-wide lock.
    """

    _lock = threading.Lock()

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

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


# Compare-and-set in one round trip: replace the value only if the stored version is the
# one this request loaded. Returns 1 (written), 0 (saved by someone else), -1 (gone).
_REDIS_CAS = """
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if string.match(current, '^(%d+)|') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""


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
        backend_key = cache.make_and_validate_key(key)
        return backend_key, cache._cache.get_client(backend_key, write=write)

    def read(self, key: str) -> Record | None:
        backend_key, client = self._client(key, write=False)
        return _parse_raw(client.get(backend_key))

    def create(self, key: str, record: Record) -> bool:
        backend_key, client = self._client(key, write=True)
        return bool(client.set(backend_key, _raw(record), ex=cache_timeout(record), nx=True))

    def update(self, key: str, record: Record, expected_version: int | None) -> bool:
        backend_key, client = self._client(key, write=True)
        if expected_version is None:
            return bool(client.set(backend_key, _raw(record), ex=cache_timeout(record), xx=True))
        script = _cas_script(client)
        args = [expected_version, _raw(record), cache_timeout(record)]
        return bool(script(keys=[backend_key], args=args, client=client) == 1)


_cas: Any = None


def _cas_script(client: Any) -> Any:
    """The compare-and-set script, made once: it is called with the client to run it on.

    (Django's RedisCache builds a new client object on every call, so caching per client
    would keep one entry per request.)
    """
    global _cas
    if _cas is None:
        _cas = client.register_script(_REDIS_CAS)
    return _cas


def _raw(record: Record) -> bytes:
    return b"%d|%r|%s" % (record.version, record.expires_at, record.data.encode("ascii"))


def _parse_raw(value: Any) -> Record | None:
    if not isinstance(value, bytes):
        return None
    try:
        version, expires_at, data = value.split(b"|", 2)
        return Record(data.decode("ascii"), float(expires_at), int(version))
    except ValueError:
        return None


class MemcachedAccess(CacheAccess):
    """PyMemcacheCache, through its client: ``gets`` reads the CAS token with the value, and
    ``cas`` writes only if nobody wrote since — the token is the record's version."""

    def _client(self, key: str) -> tuple[str, Any]:
        cache: Any = self.cache
        return cache.make_and_validate_key(key), cache._cache

    def read(self, key: str) -> Record | None:
        backend_key, client = self._client(key)
        value, token = client.gets(backend_key)
        record = record_from_cache(value)
        if record is None or token is None:
            return None
        return Record(record.data, record.expires_at, int(token))

    def update(self, key: str, record: Record, expected_version: int | None) -> bool:
        backend_key, client = self._client(key)
        value, timeout = cache_value(record), self.cache.get_backend_timeout(cache_timeout(record))
        if expected_version is None:
            return bool(client.replace(backend_key, value, timeout, noreply=False))
        return client.cas(backend_key, value, expected_version, timeout, noreply=False) is True


def access_for(cache: BaseCache) -> CacheAccess:
    if isinstance(cache, RedisCache) or type(cache).__module__.startswith("django_redis."):
        return RedisAccess(cache)
    if isinstance(cache, PyMemcacheCache):
        return MemcachedAccess(cache)
    return CacheAccess(cache)


class SessionStore(BaseStore):
    """Cache-backed sessions (``SESSION_ENGINE = "sessionkit.backends.cache"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        self._cache = caches[settings.SESSION_CACHE_ALIAS]
        self._access = access_for(self._cache)
        super().__init__(session_key)

    def _read(self, key: str) -> Record | None:
        try:
            return self._access.read(cache_key(key))
        except Exception:
            # As Django's engine does: a cache that fails on read means no session (#17810).
            logger.exception("Could not read session from cache %r", settings.SESSION_CACHE_ALIAS)
            return None

    def _write(
        self, key: str, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        if create:
            return self._access.create(cache_key(key), record)
        return self._access.update(cache_key(key), record, expected_version)

    def _delete(self, key: str) -> None:
        self._cache.delete(cache_key(key))

    def _exists(self, key: str) -> bool:
        return self._cache.has_key(cache_key(key))

    expires_itself = True

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Nothing to do: the cache drops each session when its timeout ends."""
        return 0

    @classmethod
    def _count_expired(cls) -> int:
        return 0
