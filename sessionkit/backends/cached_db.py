"""Cached database sessions: write-through cache in front of ``sessionkit.backends.db``.

The database is the source of truth; the cache only saves reads. Every cache call is guarded:
a cache that is down, times out or evicts is logged and the database answers. (Django 5.1+
guards only the cache write in ``save``; its ``load``, ``exists`` and ``delete`` still raise.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches

from sessionkit.backends.base import Record
from sessionkit.backends.cache import cache_key, cache_timeout, cache_value, record_from_cache
from sessionkit.backends.db import SessionStore as DBStore

logger = logging.getLogger("sessionkit.backends.cached_db")

T = TypeVar("T")

_FAILED = object()


class SessionStore(DBStore):
    """Cached database sessions (``SESSION_ENGINE = "sessionkit.backends.cached_db"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        self._cache = caches[settings.SESSION_CACHE_ALIAS]
        super().__init__(session_key)

    def _guarded(self, action: str, call: Callable[[], T]) -> T | object:
        """Run a cache call; on any failure log it and return ``_FAILED``."""
        try:
            return call()
        except Exception:
            logger.exception(
                "Session cache %r failed to %s; using the database.",
                settings.SESSION_CACHE_ALIAS,
                action,
            )
            return _FAILED

    def _read(self, key: str) -> Record | None:
        name = cache_key(key)
        cached = self._guarded("read", lambda: self._cache.get(name))
        if (record := record_from_cache(cached)) is not None:
            return record
        record = super()._read(key)
        if record is not None and cached is not _FAILED:
            self._guarded("fill", lambda: self._cache.set(name, *self._entry(record)))
        return record

    def _read_current(self, key: str) -> Record | None:
        """After a lost save, the database's record: the cache may be the stale one."""
        return super()._read(key)

    def _write(
        self, key: str, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        if not super()._write(key, record, create=create, expected_version=expected_version):
            return False
        name = cache_key(key)
        self._guarded("write", lambda: self._cache.set(name, *self._entry(record)))
        return True

    def _delete(self, key: str) -> None:
        super()._delete(key)
        name = cache_key(key)
        self._guarded("delete", lambda: self._cache.delete(name))

    def _exists(self, key: str) -> bool:
        name = cache_key(key)
        return self._guarded("check", lambda: self._cache.has_key(name)) is True or (
            super()._exists(key)
        )

    @staticmethod
    def _entry(record: Record) -> tuple[tuple[str, float, int], int]:
        return cache_value(record), cache_timeout(record)
