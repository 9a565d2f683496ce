"""Cached database sessions: write-through cache in front of ``sessionkit.backends.db``.

The database is the source of truth; the cache only saves reads. Every cache call is guarded:
a cache that is down, times out or evicts is logged and the database answers. (Django 5.1+
guards only the cache write in ``save``; its ``load``, ``exists`` and ``delete`` still raise.)

An ended session stays ended, whatever the cache did:

- ending a session leaves a tombstone in the cache, and a copy read from the database is put
  into the cache only where nothing is (``add``), a copy just written only over an older
  version — so a request that read the row before a logout cannot put it back afterwards;
- a tombstone the cache did not take (it was down or did not answer) is sent again before this
  process's next cache call, and no copy is kept in the cache longer than
  ``SESSIONKIT_CACHED_DB_MAX_AGE`` seconds (60) after it was written — the longest another
  process may still read a session that was ended while the cache did not answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import router, transaction

from sessionkit.adoption import DjangoTable, Source
from sessionkit.backends.base import Record
from sessionkit.backends.cache import CacheAccess, Ended, access_for, cache_key, cache_timeout
from sessionkit.backends.db import SessionStore as DBStore
from sessionkit.conf import conf, django_setting
from sessionkit.keys import StoredKey
from sessionkit.transactions import may_roll_back

logger = logging.getLogger("sessionkit.backends.cached_db")
django_logger = logging.getLogger("django.contrib.sessions")

T = TypeVar("T")

_FAILED = object()

DJANGO_MESSAGES = {
    "read": "Error reading from cache (%s)",
    "check": "Error reading from cache (%s)",
    "fill": "Error saving to cache (%s)",
    "write": "Error saving to cache (%s)",
    "end": "Error deleting from cache (%s)",
}
"""Messages for ``django.contrib.sessions``'s logger (Django's own, for a failed save)."""


class UnsentTombstones:
    """Tombstones a cache did not take, per cache alias, until it takes them or they no
    longer matter (the copies they were meant to cover have expired from the cache)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, float]] = {}

    def add(self, alias: str, name: str, until: float) -> None:
        with self._lock:
            self._pending.setdefault(alias, {})[name] = until

    def take(self, alias: str) -> dict[str, float]:
        if not self._pending.get(alias):  # the usual case: nothing to send, no lock
            return {}
        with self._lock:
            return self._pending.pop(alias, {})


unsent = UnsentTombstones()


class SessionStore(DBStore):
    """Cached database sessions (``SESSION_ENGINE = "sessionkit.backends.cached_db"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        redis = conf.SESSIONKIT_CACHED_DB_CACHE == "redis"
        self._alias = "SESSIONKIT_REDIS" if redis else django_setting("SESSION_CACHE_ALIAS")
        super().__init__(session_key)

    @cached_property
    def _access(self) -> CacheAccess:
        """The cache, taken at the first I/O rather than when the store is built (see the
        cache engine's ``_access``)."""
        if self._alias == "SESSIONKIT_REDIS":
            from sessionkit.backends.redis import RedisAccess

            return RedisAccess()
        return access_for(caches[self._alias])

    def _guarded(self, action: str, call: Callable[[], T]) -> T | object:
        """Run a cache call; on any failure log it and return ``_FAILED``."""
        try:
            return call()
        except Exception:
            logger.exception(
                "Session cache %r failed to %s; using the database.", self._alias, action
            )
            # Also where logging set up for Django's sessions looks, in Django's words.
            # (the cache as Django names it, or its alias where taking it was what failed)
            django_logger.exception(
                DJANGO_MESSAGES[action], self.__dict__.get("_access", self._alias)
            )
            return _FAILED

    def _send_unsent_tombstones(self) -> None:
        now = time.time()
        for name, until in unsent.take(self._alias).items():
            if until > now:
                self._end_in_cache(name, until)

    def _end_in_cache(self, name: str, until: float) -> None:
        """Leave a tombstone at ``name``; if the cache does not take it, keep it to send again
        until ``until`` (when every copy it was meant to cover has expired anyway)."""
        ended = self._guarded(
            "end", lambda: self._access.end(name, conf.SESSIONKIT_CACHED_DB_MAX_AGE)
        )
        if ended is _FAILED:
            unsent.add(self._alias, name, until)

    def _timeout(self, record: Record) -> int:
        return cache_timeout(record, conf.SESSIONKIT_CACHED_DB_MAX_AGE)

    def django_sources(self) -> list[Source]:
        """Django's ``django_session`` table; its cached_db cache copy goes with it."""
        return [DjangoTable(router.db_for_write(self.model), settings.SESSION_CACHE_ALIAS)]

    def _read(self, key: StoredKey) -> Record | None:
        self._send_unsent_tombstones()
        name = cache_key(key)
        cached = self._guarded("read", lambda: self._access.entry(name))
        if isinstance(cached, Record):
            return cached
        if isinstance(cached, Ended):
            return None
        record = super()._read(key)
        if record is not None and cached is not _FAILED and not self._in_transaction():
            # (Inside a transaction no fill: a copy made at its commit could outlive a
            # tombstone written meanwhile; a fill only saves a later read.)
            self._guarded("fill", lambda: self._access.fill(name, record, self._timeout(record)))
        return record

    def _read_current(self, key: StoredKey) -> Record | None:
        """After a lost save, the database's record: the cache may be the stale one."""
        return super()._read(key)

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        if not super()._write(key, record, create=create, expected_version=expected_version):
            return False
        name = cache_key(key)

        def put() -> None:
            self._guarded("write", lambda: self._access.put(name, record, self._timeout(record)))

        if not self._in_transaction():
            put()
            return True
        # Inside a transaction (ATOMIC_REQUESTS, a view's atomic()): once it commits, as a
        # copy of a row it then rolls back would be served without its row; and not at all
        # past SESSIONKIT_CACHED_DB_MAX_AGE, when a tombstone written meanwhile may be gone.
        written_at = time.time()
        transaction.on_commit(
            lambda: (
                put() if time.time() - written_at < conf.SESSIONKIT_CACHED_DB_MAX_AGE else None
            ),
            using=router.db_for_write(self.model),
        )
        return True

    def _in_transaction(self) -> bool:
        return may_roll_back(router.db_for_write(self.model))

    def _delete(self, key: StoredKey) -> bool:
        removed = super()._delete(key)
        self._end_in_cache(cache_key(key), time.time() + conf.SESSIONKIT_CACHED_DB_MAX_AGE)
        return removed

    def _delete_all(self, keys: list[StoredKey]) -> None:
        super()._delete_all(keys)
        until = time.time() + conf.SESSIONKIT_CACHED_DB_MAX_AGE
        for key in keys:
            self._end_in_cache(cache_key(key), until)

    def _exists(self, key: StoredKey) -> bool:
        cached = self._guarded("check", lambda: self._access.entry(cache_key(key)))
        if isinstance(cached, Record):
            return True  # as the database's answer: whether it is kept, not whether it expired
        if isinstance(cached, Ended):
            return False
        return super()._exists(key)
