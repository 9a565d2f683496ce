"""Adopting the sessions Django's own engines stored, so that switching logs nobody out.

A cookie that finds nothing in sessionkit's store may name a session that
``django.contrib.sessions`` stored before the site switched: its ``django_session`` table, its
``sessionid…`` files, its ``django.contrib.sessions.cache…`` cache keys. Each engine names the
places of Django's engine of the same kind (:meth:`SessionStore.django_sources`); the first
load of such a cookie reads the session there, stores it in sessionkit's store under the
cookie's stored key, and then removes Django's copy. Django signs db and file sessions with
the salt sessionkit's engines use, so their data decodes as is; its cache engines keep the
dictionary itself.

Django's copy is *taken* first (read and deleted; of two requests adopting at once, only the
one whose delete removed it goes on), and only then stored here (create-only). So no logout
here can be undone by a copy left behind in Django's store, whatever fails or races: if the
process dies in between, the visitor signs in again, which is the safe way to fail.

``SESSIONKIT_ADOPT_DJANGO_SESSIONS = False`` turns it off (a lookup less for each unknown
cookie); ``manage.py django_sessions`` reports how many are left, and ``--adopt`` moves the
rest at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from sessionkit.keys import CookieKey, cookie_key

logger = logging.getLogger("sessionkit.adoption")

DJANGO_TABLE = "django_session"
DJANGO_CACHE_PREFIX = "django.contrib.sessions.cache"
DJANGO_CACHED_DB_PREFIX = "django.contrib.sessions.cached_db"


class Source(Protocol):
    """Where Django's engine of one kind keeps its sessions."""

    def take(self, key: CookieKey, decode: Any) -> dict[str, Any] | None:
        """Remove the session kept under ``key`` and return its dictionary; None if there is
        none, it expired, or another request took it first."""

    def left(self) -> int | None:
        """How many unexpired sessions are left here (None: a cache cannot count them)."""

    def keys(self) -> Iterator[CookieKey]:
        """The keys of the sessions left (none for a cache)."""


class DjangoTable:
    """Django's ``django_session`` table, on the database sessionkit's model uses."""

    def __init__(self, alias: str, cache_alias: str | None = None) -> None:
        self.alias = alias
        self.cache_alias = cache_alias  # Django's cached_db: its cache copy goes too

    def __str__(self) -> str:
        return f"the {DJANGO_TABLE} table on database {self.alias!r}"

    def _present(self) -> bool:
        return table_present(self.alias)

    def _execute(self, sql: str, params: list[Any]) -> Any:
        connection = connections[self.alias]
        table = connection.ops.quote_name(DJANGO_TABLE)
        # A savepoint inside a transaction: a failing statement must not poison the caller's.
        guard = transaction.atomic(using=self.alias) if connection.in_atomic_block else None
        with guard or contextlib.nullcontext(), connection.cursor() as cursor:
            cursor.execute(sql.format(table=table), params)
            return cursor.rowcount, (cursor.fetchall() if cursor.description else [])

    def take(self, key: CookieKey, decode: Any) -> dict[str, Any] | None:
        if not self._present():
            return None
        _, rows = self._execute(
            "SELECT session_data, expire_date FROM {table} WHERE session_key = %s", [key]
        )
        if not rows:
            return None
        taken, _ = self._execute("DELETE FROM {table} WHERE session_key = %s", [key])
        if self.cache_alias is not None:
            with contextlib.suppress(Exception):
                caches[self.cache_alias].delete(DJANGO_CACHED_DB_PREFIX + key)
        if not taken:
            return None  # another request took it
        data, expiry = rows[0]
        connection = connections[self.alias]
        if hasattr(connection.ops, "convert_datetimefield_value"):
            expiry = connection.ops.convert_datetimefield_value(expiry, None, connection)
        if _passed(expiry):
            return None
        session = decode(data)
        return session if isinstance(session, dict) and session else None

    def left(self) -> int | None:
        if not self._present():
            return 0
        _, rows = self._execute(
            "SELECT COUNT(*) FROM {table} WHERE expire_date > %s", [timezone.now()]
        )
        return int(rows[0][0])

    def keys(self) -> Iterator[CookieKey]:
        if not self._present():
            return
        _, rows = self._execute(
            "SELECT session_key FROM {table} WHERE expire_date > %s", [timezone.now()]
        )
        for (value,) in rows:
            if (key := cookie_key(value)) is not None:
                yield key


class DjangoFiles:
    """Django's file engine's ``<SESSION_COOKIE_NAME><key>`` files in ``SESSION_FILE_PATH``."""

    def __init__(self) -> None:
        self.folder = getattr(settings, "SESSION_FILE_PATH", None) or tempfile.gettempdir()
        self.prefix = settings.SESSION_COOKIE_NAME

    def __str__(self) -> str:
        return f"Django's session files in {self.folder}"

    def _path(self, key: CookieKey) -> str:
        return os.path.join(self.folder, self.prefix + key)

    def take(self, key: CookieKey, decode: Any) -> dict[str, Any] | None:
        path = self._path(key)
        taken = f"{path}.sessionkit-{secrets.token_hex(8)}"
        try:
            os.rename(path, taken)  # atomic: of two requests, one takes it
        except OSError:
            return None
        try:
            with open(taken, encoding="ascii") as session_file:
                text = session_file.read()
            modified = os.path.getmtime(taken)
        except (OSError, UnicodeDecodeError):
            return None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(taken)
        session = decode(text) if text else None
        if not isinstance(session, dict) or not session:
            return None
        expiry = session.get("_session_expiry")
        if not isinstance(expiry, (int, str)):
            expiry = modified + settings.SESSION_COOKIE_AGE  # as Django's file engine reads it
        if _expired(expiry, modified):
            return None
        return session

    def _names(self) -> Iterator[os.DirEntry[str]]:
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.startswith(self.prefix) and entry.is_file():
                    yield entry

    def left(self) -> int | None:
        cutoff = timezone.now().timestamp() - settings.SESSION_COOKIE_AGE
        return sum(1 for entry in self._names() if entry.stat().st_mtime > cutoff)

    def keys(self) -> Iterator[CookieKey]:
        for entry in self._names():
            if (key := cookie_key(entry.name[len(self.prefix) :])) is not None:
                yield key


class DjangoCache:
    """Django's cache engine's ``django.contrib.sessions.cache<key>`` entries."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def __str__(self) -> str:
        return f"Django's session entries in cache {self.alias!r}"

    def take(self, key: CookieKey, decode: Any) -> dict[str, Any] | None:
        cache = caches[self.alias]
        session = cache.get(DJANGO_CACHE_PREFIX + key)
        if not isinstance(session, dict) or not session:
            return None
        if not cache.delete(DJANGO_CACHE_PREFIX + key):
            return None  # another request took it
        return session

    def left(self) -> int | None:
        return None

    def keys(self) -> Iterator[CookieKey]:
        return iter(())


def table_present(alias: str) -> bool:
    """Whether Django's session table exists on ``alias``; looked up once per process."""
    known = _tables.get(alias)
    if known is None:
        try:
            names = connections[alias].introspection.table_names()
        except DatabaseError:
            return False
        known = _tables[alias] = DJANGO_TABLE in names
    return known


_tables: dict[str, bool] = {}


def forget_tables() -> None:
    """Look for Django's table again (after a migration in the same process, in tests)."""
    _tables.clear()


def _passed(moment: datetime) -> bool:
    """Whether ``moment`` is past, naive or aware, with ``USE_TZ`` on or off."""
    now = timezone.now()
    if timezone.is_aware(now) and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)  # a naive UTC value from the database
    elif timezone.is_naive(now) and timezone.is_aware(moment):
        moment = timezone.make_naive(moment)
    return moment <= now


def _expired(expiry: int | float | str, modified: float) -> bool:
    """Django stores ``_session_expiry`` as seconds (relative to the last save) or as an
    ISO timestamp."""
    if isinstance(expiry, str):
        try:
            return _passed(datetime.fromisoformat(expiry))
        except ValueError:
            return True
    if expiry > 10**9:  # an absolute timestamp (the file's modification time plus the age)
        return expiry <= time.time()
    return modified + expiry <= time.time()
