"""Cache sessions: any Django cache backend, chosen by ``SESSION_CACHE_ALIAS``.

A record is stored as a plain ``(data, expires_at, version)`` tuple with a timeout that ends
with the session. Creating uses ``add`` (fails on a taken key); updating uses the backend's own
"replace only if present" where it has one — Redis ``SET … XX``, Memcached ``replace`` — so a
save is one round trip. Django's engine reads the key once more before every write.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, cast

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


def store_record(cache: BaseCache, key: str, record: Record, *, create: bool) -> bool:
    """Write ``record`` under ``key``: only if absent (``create``) or only if present."""
    value, timeout = cache_value(record), cache_timeout(record)
    if create:
        return bool(cache.add(key, value, timeout))
    return replace(cache, key, value, timeout)


def replace(cache: BaseCache, key: str, value: Any, timeout: int) -> bool:
    """Set ``key`` only if it exists, in one round trip where the backend allows."""
    if isinstance(cache, RedisCache):
        # Django's RedisCache has no public "set if present"; its client does (SET … XX).
        backend_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(backend_key, write=True)
        return bool(
            client.set(
                backend_key,
                cache._cache._serializer.dumps(value),  # type: ignore[attr-defined]
                ex=timeout,
                xx=True,
            )
        )
    if type(cache).__module__.startswith("django_redis."):
        # django-redis's set() takes Redis's nx/xx flags and returns whether it stored.
        return bool(cast(Any, cache).set(key, value, timeout, xx=True))
    if isinstance(cache, PyMemcacheCache):
        backend_key = cache.make_and_validate_key(key)
        return bool(
            cast(Any, cache)._cache.replace(
                backend_key, value, cache.get_backend_timeout(timeout), noreply=False
            )
        )
    # Portable fallback (LocMemCache and others): two calls, as Django's engine makes.
    if not cache.has_key(key):
        return False
    cache.set(key, value, timeout)
    return True


class SessionStore(BaseStore):
    """Cache-backed sessions (``SESSION_ENGINE = "sessionkit.backends.cache"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        self._cache = caches[settings.SESSION_CACHE_ALIAS]
        super().__init__(session_key)

    def _read(self, key: str) -> Record | None:
        try:
            return record_from_cache(self._cache.get(cache_key(key)))
        except Exception:
            # As Django's engine does: a cache that fails on read means no session (#17810).
            logger.exception("Could not read session from cache %r", settings.SESSION_CACHE_ALIAS)
            return None

    def _write(
        self, key: str, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        return store_record(self._cache, cache_key(key), record, create=create)

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
