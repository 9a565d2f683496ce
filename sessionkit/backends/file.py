"""File sessions: one file per session in ``SESSION_FILE_PATH``.

The file's modification time *is* its expiry (set with ``os.utime`` before the file becomes
visible), so ``clear_expired`` needs only ``scandir`` and ``stat``: it never opens, let alone
decodes, a session file. Every write goes to a temporary file in the same folder that is then
linked (create) or renamed (update) into place, so a reader or a crash never sees half a session.
The file starts with a version line; an update takes an exclusive lock on the file and only
replaces it when the version is still the one this request loaded.
"""

from __future__ import annotations

import contextlib
import functools
import os

try:
    import fcntl
except ImportError:  # Windows: writes are still atomic, but not serialised
    fcntl = None  # type: ignore[assignment]
import tempfile
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.sessions.exceptions import InvalidSessionKey
from django.core.exceptions import ImproperlyConfigured

from sessionkit.adoption import DjangoFiles, Source
from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.conf import conf
from sessionkit.keys import StoredKey, as_stored_key

TEMP_PREFIX = ".sessionkit-tmp-"
STALE_TEMP_AGE = 3600
"""Seconds after which a temporary file left by a crashed writer is removed by cleanup."""


def storage_path() -> str:
    """The configured session folder, as Django's file engine resolves it."""
    return _checked_folder(getattr(settings, "SESSION_FILE_PATH", None) or tempfile.gettempdir())


@functools.lru_cache(maxsize=8)
def _checked_folder(path: str) -> str:
    if not os.path.isdir(path):
        raise ImproperlyConfigured(
            f"The session storage path {path!r} doesn't exist. Please set your "
            "SESSION_FILE_PATH setting to an existing directory in which sessionkit can "
            "store session data."
        )
    return os.path.abspath(path)


class SessionStore(BaseStore):
    """File-backed sessions (``SESSION_ENGINE = "sessionkit.backends.file"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        self.storage_path = storage_path()
        self.file_prefix = conf.SESSIONKIT_FILE_PREFIX
        super().__init__(session_key)

    def django_sources(self) -> list[Source]:
        """Django's file engine's files (``SESSION_FILE_PATH``, named by the cookie)."""
        return [DjangoFiles()]

    def _path(self, key: StoredKey) -> str:
        # The base class validates keys before they get here; this guards the one place
        # where a key becomes a path against any future caller that forgets.
        if as_stored_key(key) is None:
            raise InvalidSessionKey("Invalid characters in session key")
        return os.path.join(self.storage_path, self.file_prefix + key)

    def _read(self, key: StoredKey) -> Record | None:
        try:
            with open(self._path(key), "rb") as session_file:
                stat = os.fstat(session_file.fileno())
                content = session_file.read()
        except FileNotFoundError:
            return None
        version, data = _parse(content)
        return Record(data, stat.st_mtime, version)

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        path = self._path(key)
        fd, temp_path = tempfile.mkstemp(dir=self.storage_path, prefix=TEMP_PREFIX)
        placed = False
        try:
            try:
                os.write(fd, b"%d\n%s" % (record.version, record.data.encode("ascii")))
                os.utime(fd, (time.time(), record.expires_at))
            finally:
                os.close(fd)
            if create:
                return _link_new(temp_path, path)
            with _locked(path) as current:
                if current is None:
                    return False  # deleted meanwhile: never bring it back
                if expected_version is not None and _version_of(current) != expected_version:
                    return False  # saved by another request since this one loaded it
                os.replace(temp_path, path)
                placed = True
                return True
        finally:
            if not placed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp_path)

    def _delete(self, key: StoredKey) -> bool:
        path = self._path(key)
        with _locked(path) as current:
            if current is None:
                return False
            try:
                os.unlink(path)
            except FileNotFoundError:
                return False
            return True

    def _exists(self, key: StoredKey) -> bool:
        return os.path.exists(self._path(key))

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Unlink every session file whose modification time (its expiry) has passed.

        Only ``scandir`` and ``stat``: no session file is opened or decoded. Temporary files
        left by a crashed writer are removed once they are ``STALE_TEMP_AGE`` old.
        """
        deleted = 0
        for path, is_session in _expired_files(stale_temp_files=True):
            try:
                os.unlink(path)
            except FileNotFoundError:
                continue  # removed by a concurrent request or cleanup
            if not is_session:
                continue
            deleted += 1
            if progress is not None and deleted % batch_size == 0:
                progress(deleted)
        return deleted

    @classmethod
    def _count_expired(cls) -> int:
        return sum(1 for _ in _expired_files(stale_temp_files=False))


def _expired_files(*, stale_temp_files: bool) -> Iterator[tuple[str, bool]]:
    """(path, is a session file) of expired session files and, if asked, stale temporary files."""
    folder = storage_path()
    prefix = conf.SESSIONKIT_FILE_PREFIX
    now = time.time()
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            try:
                if name.startswith(prefix):
                    if entry.stat().st_mtime <= now:
                        yield entry.path, True
                elif (
                    stale_temp_files
                    and name.startswith(TEMP_PREFIX)
                    and entry.stat().st_ctime < now - STALE_TEMP_AGE
                ):
                    yield entry.path, False
            except FileNotFoundError:
                continue


def _parse(content: bytes) -> tuple[int, str]:
    """(version, data) of a session file: a version line, then the encoded session."""
    head, _, data = content.partition(b"\n")
    try:
        return int(head), data.decode("ascii", "replace")
    except ValueError:
        return 0, content.decode("ascii", "replace")


def _version_of(fd: int) -> int:
    return _parse(os.pread(fd, 24, 0))[0]


@contextlib.contextmanager
def _locked(path: str) -> Iterator[int | None]:
    """Hold an exclusive lock on the session file at ``path``; None if there is none.

    Writers and deleters of one session take turns. A writer replaces the file (a new inode),
    so whoever waited on the old one finds, once it has the lock, that ``path`` is no longer
    the file it locked, and looks again.
    """
    while True:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            yield None
            return
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
                if not os.path.exists(path):
                    yield None
                    return
            if same:
                yield fd
                return
        finally:
            os.close(fd)


def _link_new(temp_path: str, path: str) -> bool:
    """Give ``path`` the complete contents of ``temp_path`` only if ``path`` does not exist.

    A hard link is atomic and fails on an existing name, so a new session file appears whole
    or not at all. Where the file system has no hard links, fall back to Django's way: claim
    the name with ``O_EXCL`` and rename the finished file over it.
    """
    try:
        os.link(temp_path, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    os.replace(temp_path, path)
    return True
