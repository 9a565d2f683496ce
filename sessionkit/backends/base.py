"""The storage contract every sessionkit engine is built on.

Django's engines each re-implement load, save and expiry around their medium. Here that logic
is written once: :class:`SessionStore` turns Django's session API (sync and async) into a few
primitives over :class:`Record` values, and each engine implements only those primitives.

Expiry is absolute and stored beside the data (``Record.expires_at``), so every engine answers
"is this expired?" the same way, without decoding the payload.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import random
import time
from collections.abc import Callable, Generator
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast

from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.db import DatabaseError
from django.utils.module_loading import import_string

from sessionkit import codec, serialization
from sessionkit.conf import conf, django_setting
from sessionkit.exceptions import (
    STORE_ERRORS,
    SessionConflict,
    SessionStoreUnavailable,
    SessionTooLarge,
    UnserializableSessionValue,
    hint_for,
)
from sessionkit.keys import (
    CookieKey,
    StoredKey,
    cookie_key,
    key_hash,
    new_cookie_key,
    plain_stored_key,
    stored_key,
)
from sessionkit.timestamps import from_timestamp, to_timestamp

if TYPE_CHECKING:
    from sessionkit.adoption import Source

adoption_logger = logging.getLogger("sessionkit.adoption")

__all__ = [
    "CreateError",
    "Record",
    "SessionStore",
    "UpdateError",
    "from_timestamp",
    "to_timestamp",
]

SIGNED_IN_KEYS = ("_auth_user_id", "_sessionkit_inventory")
"""Session keys that show a session is (or was) signed in: django.contrib.auth's user id, and
the inventory's note."""

SAVE_ATTEMPTS = 100
"""How often a save re-reads and merges before it gives up (each loss means another save won)."""


class Record(NamedTuple):
    """One stored session, as an engine reads and writes it (read on every load: a named
    tuple is made in a third of a frozen dataclass's instructions)."""

    data: str
    """The encoded (signed, compressed) session dictionary."""
    expires_at: float
    """POSIX timestamp after which the record must never be returned."""
    version: int = 0
    """Grows by one on every write (the file engine uses the inode, which changes too)."""

    def is_expired(self, now: float | None = None) -> bool:
        return self.expires_at <= (time.time() if now is None else now)


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class Op(enum.Enum):
    """What a step of a load or a save asks the store to do."""

    READ = enum.auto()
    READ_CURRENT = enum.auto()
    CREATE = enum.auto()
    UPDATE = enum.auto()
    DELETE = enum.auto()
    SLEEP = enum.auto()
    ADOPT = enum.auto()
    SIGNED_OUT = enum.auto()


class Step:
    """One I/O step: the operation and its arguments (the answer is sent back in)."""

    __slots__ = ("op", "args")

    def __init__(self, op: Op, *args: Any) -> None:
        self.op, self.args = op, args


Steps = Generator[Step, Any, T]
"""A load or a save written once as steps; :meth:`SessionStore._run` carries them out with
the sync primitives, :meth:`SessionStore._arun` with the async ones."""
Progress = Callable[[int], None]


def delegates_to_sync(function: F) -> F:
    """Mark an async primitive whose default runs the sync primitive in a thread.

    An engine may then override only the sync primitive and stay correct under ASGI;
    tests/test_async_twins.py relies on this mark to tell such defaults from native ones.
    """
    function.delegates_to_sync = True  # type: ignore[attr-defined]
    return function


_imported = functools.lru_cache(maxsize=8)(import_string)
"""``import_string``, each dotted path imported once."""


def _backoff(attempt: int) -> float:
    """Seconds to wait before merge attempt ``attempt``: random, growing, at most 50 ms."""
    return random.uniform(0, min(0.05, 0.001 * 2**attempt))  # noqa: S311


class SessionStore(SessionBase):
    """Django's session API built on five storage primitives.

    Subclasses implement ``_read``, ``_write``, ``_delete``, ``_exists`` and the class method
    ``_clear_expired``, all by :class:`~sessionkit.keys.StoredKey`. Their async twins default
    to one ``sync_to_async`` hop around the sync primitive, so no blocking I/O runs inside the
    event loop; an engine whose medium has a native async client overrides them.

    Django's API takes the cookie key (``SessionStore(key)``, ``exists(key)``,
    ``delete(key)``); this class turns it into the stored key once, and only a value that
    :func:`~sessionkit.keys.cookie_key` accepts ever reaches a store.
    """

    create_attempts: ClassVar[int] = 100
    _loaded_version: int | None = None
    _loaded_data: str | None = None
    _loaded_key: CookieKey | None = None
    _loaded_anonymous: bool = False
    _adopted: bool = False
    _mergers: dict[str, Callable[[Any], Any]] | None = None

    def __init__(self, session_key: str | None = None) -> None:
        # SessionBase.__init__, but the serializer's import is kept between stores (Django
        # imports it again for every store: a settings read and an import_string on every
        # request). Assigned here as Django does: it wins over a class attribute, and a
        # SESSION_SERIALIZER that cannot be imported fails every request, not quietly a load.
        self._session_key = session_key
        self.accessed = False
        self.modified = False
        self.serializer = _imported(django_setting("SESSION_SERIALIZER"))

    # --- primitives -------------------------------------------------------------------------

    def _read(self, key: StoredKey) -> Record | None:
        """The stored record for ``key``, expired or not, or None."""
        raise NotImplementedError

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        """Store ``record`` and return whether the write took effect.

        With ``create``, fail (return False) when ``key`` is already taken; without it, fail
        when ``key`` does not exist, so a session ended elsewhere is never brought back.
        With ``expected_version``, fail when the stored version is another one.
        """
        raise NotImplementedError

    def _read_current(self, key: StoredKey) -> Record | None:
        """The record as the source of truth has it now (no cache in between)."""
        return self._read(key)

    def _delete(self, key: StoredKey) -> bool:
        """Remove ``key`` for good: no later read, fill or save may bring it back. Return
        whether there was something to remove (the fallback's move needs to know)."""
        raise NotImplementedError

    def _exists(self, key: StoredKey) -> bool:
        raise NotImplementedError

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Delete expired records, ``batch_size`` per statement where that applies.

        Call ``progress(deleted_so_far)`` after each batch; return how many were deleted.
        """
        raise NotImplementedError

    @classmethod
    def _count_expired(cls) -> int:
        raise NotImplementedError

    @delegates_to_sync
    async def _aread(self, key: StoredKey) -> Record | None:
        return await sync_to_async(self._read)(key)

    @delegates_to_sync
    async def _aread_current(self, key: StoredKey) -> Record | None:
        return await sync_to_async(self._read_current)(key)

    @delegates_to_sync
    async def _awrite(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        return await sync_to_async(self._write)(
            key, record, create=create, expected_version=expected_version
        )

    @delegates_to_sync
    async def _adelete(self, key: StoredKey) -> bool:
        return await sync_to_async(self._delete)(key)

    @delegates_to_sync
    async def _aexists(self, key: StoredKey) -> bool:
        return await sync_to_async(self._exists)(key)

    @classmethod
    @delegates_to_sync
    async def _aclear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        return await sync_to_async(cls._clear_expired)(batch_size, progress)

    # --- keys -------------------------------------------------------------------------------

    def _validate_session_key(self, key: str | None) -> bool:
        checked = cookie_key(key)
        self._checked_key = (key, checked)  # what :attr:`cookie_key` would work out again
        return checked is not None

    def _get_new_session_key(self) -> str:
        # Django asks the store whether each candidate exists (one more round trip per new
        # session). Our create-writes fail atomically on a taken key instead, and create()
        # retries, so a fresh random key is all that is needed here.
        return new_cookie_key()

    async def _aget_new_session_key(self) -> str:
        return self._get_new_session_key()

    @property
    def cookie_key(self) -> CookieKey | None:
        """The session's key as its cookie carries it (None until it has one)."""
        raw = self.session_key
        checked = self.__dict__.get("_checked_key")
        if checked is None or checked[0] != raw:
            checked = self._checked_key = (raw, cookie_key(raw))
        return checked[1]

    @property
    def stored_key(self) -> StoredKey | None:
        """What the store keeps this session under (None until it has a key)."""
        key = self.cookie_key
        return None if key is None else stored_key(key)

    # --- encoding ---------------------------------------------------------------------------

    def encode(self, session_dict: dict[str, Any]) -> str:
        """Serialised with SESSION_SERIALIZER and signed (see sessionkit.codec)."""
        try:
            payload = serialization.dumps(self.serializer, session_dict)
        except (TypeError, ValueError) as exc:
            raise self._unserializable(session_dict, exc) from exc
        return codec.sign(payload, self.key_salt)

    def _unserializable(
        self, session_dict: dict[str, Any], exc: BaseException
    ) -> UnserializableSessionValue:
        name = self.serializer.__name__
        for key, value in session_dict.items():
            try:
                serialization.dumps(self.serializer, {key: value})
            except (TypeError, ValueError) as reason:
                return UnserializableSessionValue(str(key), name, reason)
        return UnserializableSessionValue("?", name, exc)

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        """The session dictionary; ``{}`` for anything unreadable, and a bad signature logged
        to django.security.SuspiciousSession, as Django does. Data in Django's own form
        (stored before sessionkit.codec, or adopted) is read by Django's decode."""
        text = session_data if isinstance(session_data, str) else session_data.decode("latin-1")
        if not codec.is_ours(text):
            data = super().decode(session_data)
            return data if isinstance(data, dict) else {}
        try:
            data = serialization.loads(self.serializer, codec.unsign(text, self.key_salt))
        except codec.BadValue:
            logging.getLogger("django.security.SuspiciousSession").warning(
                "Session data corrupted"
            )
            return {}
        except Exception:  # noqa: BLE001 (as Django: unreadable data is an empty session)
            return {}
        return data if isinstance(data, dict) else {}

    def _record_for(self, data: dict[str, Any]) -> Record:
        expiry = self.get_expiry_date(expiry=data.get("_session_expiry"))
        version = (self._loaded_version or 0) + 1
        encoded = self.encode(data)
        limit = conf.SESSIONKIT_MAX_SIZE
        if limit is not None and len(encoded) > limit:
            raise SessionTooLarge(
                f"The session is {len(encoded):,} bytes encoded, over SESSIONKIT_MAX_SIZE "
                f"({limit:,}). Store less in the session (keep large data in the database and "
                "its id in the session), or raise SESSIONKIT_MAX_SIZE."
            )
        return Record(encoded, to_timestamp(expiry), version)

    def _accept(self, key: CookieKey, record: Record | None) -> dict[str, Any]:
        """The session dictionary for a record just read; forget the key if there is none."""
        if record is None or record.is_expired():
            self._session_key = None
            return {}
        self._loaded_version = record.version
        self._loaded_data = record.data
        data = self.decode(record.data)
        self._loaded_key = key
        self._loaded_anonymous = data.keys().isdisjoint(SIGNED_IN_KEYS)
        return data

    check_sign_out = False
    """Set by the middleware on a request it does not track: that request does not write the
    inventory row (whose write checks "sign out everywhere"), so the load checks it instead
    for a session the inventory may not list."""

    def _unlisted(self, key: CookieKey, data: dict[str, Any]) -> tuple[str, float] | None:
        """(user id, epoch) when the load must check "sign out everywhere" itself: a
        signed-in session the inventory may not list, on a request the middleware does not
        track. Decided without I/O."""
        if not self.check_sign_out or not data or not conf.SESSIONKIT_INVENTORY:
            return None
        from sessionkit import inventory_note

        unlisted = inventory_note.unlisted(data, stored_key(key))
        return unlisted if unlisted is not None and apps.is_installed("sessionkit") else None

    def _signed_out(self, key: CookieKey, unlisted: tuple[str, float]) -> bool:
        """Whether the session's user signed out everywhere since it signed in; if so the
        session ends here, as every other way ends it."""
        from sessionkit.inventory import signed_out  # the models: only for such a session

        try:
            if not signed_out(*unlisted):
                return False
        except DatabaseError as exc:  # as a failing inventory write: logged, page served
            logging.getLogger("sessionkit.inventory").error(
                "Could not check whether this session was signed out everywhere: %s%s",
                exc,
                hint_for(exc),
            )
            return False
        self._delete_all([plain_stored_key(key), key_hash(key)])
        self._session_key = None
        return True

    # --- what sessionkit's middleware adds -------------------------------------------------

    def adopt_key(self, key: CookieKey) -> None:
        """Give this new, empty session ``key``; the next save creates it under that key.

        The middleware issues a session's key before anything is stored (a client that never
        returns the cookie must cost no write), so the key a view and a template see is the
        key the cookie will carry. Never call this with a key that came from a client and was
        not issued and signed by this site: that would be session fixation.
        """
        if cookie_key(key) is None:  # (checked first: a refused key leaves all as it was)
            raise ValueError("Not a valid session key.")
        self._session_key = key
        self._adopted = True
        if not hasattr(self, "_session_cache"):
            empty: dict[str, Any] = {}
            self._session_cache = empty

    def discard_changes(self) -> None:
        """Forget this request's changes: back to the data as loaded (or empty, if new)."""
        self._session_cache = self.decode(self._loaded_data) if self._loaded_data else {}
        self.modified = False

    # --- Django's session API ---------------------------------------------------------------

    def _get_session(self, no_load: bool = False) -> dict[str, Any]:
        """Django's, without the ``AttributeError`` it raises and catches on each session's
        first read (8k instructions, a tenth of a load from an in-process cache)."""
        self.accessed = True
        data: dict[str, Any] | None = self.__dict__.get("_session_cache")
        if data is None:
            data = {} if self.session_key is None or no_load else self.load()
            self._session_cache = data
        return data

    async def _aget_session(self, no_load: bool = False) -> dict[str, Any]:
        self.accessed = True
        data: dict[str, Any] | None = self.__dict__.get("_session_cache")
        if data is None:
            data = {} if self.session_key is None or no_load else await self.aload()
            self._session_cache = data
        return data

    _session = property(_get_session)

    def get_session_cookie_age(self) -> int:
        age: int = django_setting("SESSION_COOKIE_AGE")  # (as Django's: the value as set)
        return age

    def load(self) -> dict[str, Any]:
        key = self.cookie_key
        if key is None:
            return {}
        stored = stored_key(key)
        record = self._read(stored)
        if record is not None and not self.check_sign_out:
            return self._accept(key, record)  # most loads: found, nothing more to look up
        return self._run(self._loading(key, stored, record))

    async def aload(self) -> dict[str, Any]:
        key = self.cookie_key
        if key is None:
            return {}
        stored = stored_key(key)
        return await self._arun(self._loading(key, stored, await self._aread(stored)))

    def _loading(
        self, key: CookieKey, stored: StoredKey, record: Record | None
    ) -> Steps[dict[str, Any]]:
        """The steps of a load once ``stored`` has been read (``record``), for :meth:`load`
        and :meth:`aload` alike: the hashing fallback, adoption, "sign out everywhere"."""
        if record is None and (plain := self._plain_fallback(key, stored)) is not None:
            record = yield Step(Op.READ, plain)
            if record is not None:  # kept under its plain key before hashing: move it
                if not (yield Step(Op.CREATE, stored, record)):
                    record = yield Step(Op.READ, stored)  # another request moved it first
                elif not (yield Step(Op.DELETE, plain)):
                    yield Step(Op.DELETE, stored)  # ended meanwhile: the move must not revive it
                    record = None
        if record is None and conf.SESSIONKIT_ADOPT_DJANGO_SESSIONS and self.django_sources():
            record = yield Step(Op.ADOPT, key, stored)
        data = self._accept(key, record)
        if (unlisted := self._unlisted(key, data)) and (yield Step(Op.SIGNED_OUT, key, unlisted)):
            return {}
        return data

    # --- carrying out steps: the sync and async paths differ only here -------------------------

    def _run(self, steps: Steps[T]) -> T:
        """Carry out ``steps`` with the sync primitives."""
        answer: Any = None
        try:
            while True:
                step = steps.send(answer)
                answer = self._carry_out(step)
        except StopIteration as done:
            return cast(T, done.value)

    async def _arun(self, steps: Steps[T]) -> T:
        """Carry out ``steps`` with the async primitives."""
        answer: Any = None
        try:
            while True:
                step = steps.send(answer)
                answer = await self._acarry_out(step)
        except StopIteration as done:
            return cast(T, done.value)

    def _carry_out(self, step: Step) -> Any:
        op, args = step.op, step.args
        if op is Op.READ:
            return self._read(*args)
        if op is Op.READ_CURRENT:
            return self._read_current(*args)
        if op is Op.CREATE:
            return self._write(*args, create=True)
        if op is Op.UPDATE:
            key, record, expected = args
            return self._write(key, record, create=False, expected_version=expected)
        if op is Op.DELETE:
            return self._delete(*args)
        if op is Op.SLEEP:
            return time.sleep(*args)
        if op is Op.ADOPT:
            return self._adopt(*args)
        return self._signed_out(*args)

    async def _acarry_out(self, step: Step) -> Any:
        op, args = step.op, step.args
        if op is Op.READ:
            return await self._aread(*args)
        if op is Op.READ_CURRENT:
            return await self._aread_current(*args)
        if op is Op.CREATE:
            return await self._awrite(*args, create=True)
        if op is Op.UPDATE:
            key, record, expected = args
            return await self._awrite(key, record, create=False, expected_version=expected)
        if op is Op.DELETE:
            return await self._adelete(*args)
        if op is Op.SLEEP:
            return await asyncio.sleep(*args)
        if op is Op.ADOPT:
            return await sync_to_async(self._adopt)(*args)
        return await sync_to_async(self._signed_out)(*args)

    # --- adopting what Django's own engine stored (sessionkit.adoption) ----------------------

    def django_sources(self) -> list[Source]:
        """Where Django's engine of the same kind keeps sessions (none by default)."""
        return []

    def _adopt(self, key: CookieKey, stored: StoredKey) -> Record | None:
        """The session Django's engine stored under ``key``, moved into this store."""
        for source in self.django_sources():
            try:
                data = source.take(key, self.decode)
            except Exception as exc:  # Django's store unreachable: a new session, as before
                adoption_logger.warning(
                    "Could not adopt a session from %s: %s%s", source, exc, hint_for(exc)
                )
                continue
            if data is None:
                continue
            try:
                record = self._record_for(data)
                if not self._write(stored, record, create=True):
                    return self._read(stored)  # stored here meanwhile
            except Exception as exc:
                adoption_logger.warning(
                    "Took a session from %s but could not store it (the visitor signs in "
                    "again): %s%s",
                    source,
                    exc,
                    hint_for(exc),
                )
                return None
            adoption_logger.info("Adopted a session from %s.", source)
            return record
        return None

    @staticmethod
    def _plain_fallback(key: CookieKey, stored: StoredKey) -> StoredKey | None:
        """Where a session of ``key`` was kept before hashing, while the fallback is on.

        A plain stored key is a cookie key (at most 39 characters) and a hash has 40, so this
        lookup can only find a record written without hashing: never a hashed record whose
        name someone sent as a cookie.
        """
        plain = plain_stored_key(key)
        if plain != stored and conf.SESSIONKIT_HASH_KEYS_FALLBACK:
            return plain
        return None

    def exists(self, session_key: str | None) -> bool:
        key = cookie_key(session_key)
        if key is None:
            return False
        stored = stored_key(key)
        plain = self._plain_fallback(key, stored)
        return self._exists(stored) or (plain is not None and self._exists(plain))

    async def aexists(self, session_key: str | None) -> bool:
        key = cookie_key(session_key)
        if key is None:
            return False
        stored = stored_key(key)
        if await self._aexists(stored):
            return True
        plain = self._plain_fallback(key, stored)
        return plain is not None and await self._aexists(plain)

    def create(self) -> None:
        self._adopted = False
        for _ in range(self.create_attempts):
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
        raise SessionStoreUnavailable(self._cannot_create_message())

    async def acreate(self) -> None:
        self._adopted = False
        for _ in range(self.create_attempts):
            self._session_key = self._get_new_session_key()
            try:
                await self.asave(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
        raise SessionStoreUnavailable(self._cannot_create_message())

    def _cannot_create_message(self) -> str:
        return (
            f"Unable to create a new session key after {self.create_attempts} attempts "
            f"with {type(self).__module__}; it is likely that the session store is unavailable."
        )

    def save(self, must_create: bool = False) -> None:
        """Save the session; when another request saved it since it was loaded, merge.

        The merge keeps the stored session and re-applies this request's own changes: keys
        set or changed, keys deleted, and the keys registered with :meth:`on_conflict`. The
        same key changed by both: the later save wins. A session deleted meanwhile raises
        Django's ``UpdateError`` and is never brought back.
        """
        key = self.stored_key
        if key is None:
            return self.create()
        if self._adopted and not must_create:
            try:
                self.save(must_create=True)
            except CreateError:  # the issued key was taken meanwhile: take another
                self.create()
            return None
        record = self._record_for(self._get_session(no_load=must_create))
        return self._run(self._saving(key, record, must_create))

    async def asave(self, must_create: bool = False) -> None:
        key = self.stored_key
        if key is None:
            return await self.acreate()
        if self._adopted and not must_create:
            try:
                await self.asave(must_create=True)
            except CreateError:  # the issued key was taken meanwhile: take another
                await self.acreate()
            return None
        session = await self._aget_session(no_load=must_create)
        return await self._arun(self._saving(key, self._record_for(session), must_create))

    def _saving(self, key: StoredKey, record: Record, must_create: bool) -> Steps[None]:
        """The steps of a save, for :meth:`save` and :meth:`asave` alike: one conditional
        write; on a lost race, merge onto the current record and write again."""
        if must_create:
            if not (yield Step(Op.CREATE, key, record)):
                raise CreateError
            return self._won(record)
        expected = self._loaded_version
        for attempt in range(SAVE_ATTEMPTS):
            if (yield Step(Op.UPDATE, key, record, expected)):
                return self._won(record)
            if expected is None:
                raise UpdateError
            if attempt:
                yield Step(Op.SLEEP, _backoff(attempt))
            record = self._rebase((yield Step(Op.READ_CURRENT, key)))
            expected = self._loaded_version
        raise SessionConflict(self._conflict_message())

    def on_conflict(self, key: str, merge: Callable[[Any], Any]) -> None:
        """Compute ``key`` with ``merge(stored_value)`` when a save has to merge.

        For values that add up rather than overwrite — a counter, say: register
        ``lambda stored: (stored or 0) + 1`` and a concurrent request's increment is kept.
        sessionkit's middleware registers its tracking figures this way.
        """
        if self._mergers is None:
            self._mergers = {}
        self._mergers[key] = merge

    def _won(self, record: Record) -> None:
        self._loaded_version = record.version
        self._loaded_data = record.data
        self._adopted = False

    def _rebase(self, current: Record | None) -> Record:
        """This request's changes re-applied to the stored ``current``; the record to write."""
        if current is None or current.is_expired():
            raise UpdateError
        loaded = self.decode(self._loaded_data) if self._loaded_data else {}
        mine: dict[str, Any] = self._session_cache
        theirs = self.decode(current.data)
        merged = dict(theirs)
        for name, value in mine.items():
            if name not in loaded or loaded[name] != value:
                merged[name] = value
        for name in loaded:
            if name not in mine:
                merged.pop(name, None)
        for name, merge in (self._mergers or {}).items():
            merged[name] = merge(theirs.get(name))
        self._session_cache = merged
        self._loaded_version = current.version
        self._loaded_data = current.data
        return self._record_for(merged)

    def _conflict_message(self) -> str:
        return (
            f"Could not save the session after {SAVE_ATTEMPTS} attempts: other requests kept "
            "saving it in between."
        )

    # --- ending a session: one way, whoever asks ----------------------------------------------

    def _to_end(self, session_key: str | None) -> tuple[list[StoredKey], bool]:
        """The stored keys of the session to end, and whether it may be in the inventory (a
        session this store loaded without a user can have no row: no query for it)."""
        key = self.cookie_key if session_key is None else cookie_key(session_key)
        if key is None:
            return [], False
        inventoried = not (key == self._loaded_key and self._loaded_anonymous)
        # Both forms, whatever the settings say now: the session may have been stored before
        # hashing was switched on or off, or be on its way from one to the other. The plain
        # form first: a move in flight (load()) then always sees that it lost.
        return [plain_stored_key(key), key_hash(key)], inventoried

    def delete(self, session_key: str | None = None) -> None:
        """End the session (Django's API: a logout's ``flush()`` and ``cycle_key()`` call it)."""
        keys, inventoried = self._to_end(session_key)
        if keys:
            try:
                self._delete_all(keys)
            except STORE_ERRORS as exc:
                if not self._never_stored(session_key, exc):
                    raise
                return
            if inventoried:
                forget_in_inventory(*keys)

    async def adelete(self, session_key: str | None = None) -> None:
        keys, inventoried = self._to_end(session_key)
        if keys:
            try:
                await self._adelete_all(keys)
            except STORE_ERRORS as exc:
                if not self._never_stored(session_key, exc):
                    raise
                return
            if inventoried:
                await sync_to_async(forget_in_inventory)(*keys)

    def _never_stored(self, session_key: str | None, exc: BaseException) -> bool:
        """Whether the store failed to delete this store's own session whose key was issued
        on this request and never stored (a new visitor's logout): then there is nothing to
        end — Django's engines would not even ask the store, such a session having no key
        yet — and it is logged and the page served. Not for a database error: inside a
        transaction the view's own writes would be rolled back unseen."""
        if session_key is not None or not self._adopted or isinstance(exc, DatabaseError):
            return False
        logging.getLogger("sessionkit.middleware").warning(
            "Session store %s is unavailable (%s: %s); the session being ended was never "
            "stored, so there was nothing to delete.",
            settings.SESSION_ENGINE,
            type(exc).__name__,
            exc,
        )
        return True

    def _delete_all(self, keys: list[StoredKey]) -> None:
        """``_delete`` each of ``keys``, in order (an engine may do it in one statement)."""
        for key in keys:
            self._delete(key)

    @delegates_to_sync
    async def _adelete_all(self, keys: list[StoredKey]) -> None:
        if getattr(type(self)._adelete, "delegates_to_sync", False):
            await sync_to_async(self._delete_all)(keys)  # one thread hop, the engine's way
        else:
            for key in keys:
                await self._adelete(key)

    def end(self, stored: StoredKey, *, inventoried: bool = True) -> bool:
        """End the session kept under ``stored``: the one way every path ends a session.

        Logout and ``flush()``, ``cycle_key()``, the admin's action, the inventory views and
        "sign out everywhere" all come here. The store forgets the session for good (cached_db
        leaves a tombstone in its cache, so no late cache fill brings it back), and the
        session's row in the inventory of signed-in sessions goes with it.
        """
        removed = self._delete(stored)
        if inventoried:
            forget_in_inventory(stored)
        return removed

    async def aend(self, stored: StoredKey, *, inventoried: bool = True) -> bool:
        removed = await self._adelete(stored)
        if inventoried:
            await sync_to_async(forget_in_inventory)(stored)
        return removed

    @classmethod
    def clear_expired(cls) -> int:  # type: ignore[override]
        """Delete expired sessions and return how many (Django's returns None).

        Deletes in batches of ``SESSIONKIT_CLEANUP_BATCH_SIZE``, so that Django's
        ``clearsessions`` never holds a long lock on a busy table either; the inventory rows
        of expired sessions go too.
        """
        count = cls.delete_expired()
        expired_inventory_rows(dry_run=False)
        return count

    @classmethod
    async def aclear_expired(cls) -> int:  # type: ignore[override]
        count = await cls._aclear_expired(conf.SESSIONKIT_CLEANUP_BATCH_SIZE)
        await sync_to_async(expired_inventory_rows)(dry_run=False)
        return count

    # --- cleanup ------------------------------------------------------------------------------

    expires_itself: ClassVar[bool] = False
    """True for engines whose store drops expired sessions by itself (a cache)."""

    @classmethod
    def delete_expired(
        cls, batch_size: int | None = None, progress: Progress | None = None
    ) -> int:
        """Delete expired sessions in batches; return how many. See ``manage.py cleanup``."""
        return cls._clear_expired(batch_size or conf.SESSIONKIT_CLEANUP_BATCH_SIZE, progress)

    @classmethod
    def count_expired(cls) -> int:
        """How many expired sessions ``delete_expired`` would delete now."""
        return cls._count_expired()


def end_session(stored: StoredKey) -> None:
    """End the session kept under ``stored`` with the configured ``SESSION_ENGINE``.

    For code that knows a session only by what the store keeps (the admin, the inventory);
    works with Django's own engines too (they keep sessions under the cookie key).
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    if isinstance(store, SessionStore):
        store.end(stored)
    else:
        store.delete(stored)
        forget_in_inventory(stored)


def forget_in_inventory(*stored: StoredKey) -> None:
    """Drop the inventory row of the session kept under ``stored`` (either form of its key),
    if the inventory is kept.

    The session itself has ended by then; a row left behind (the database did not answer)
    is logged, is never a way back in, and goes with ``cleanup`` once it expires.
    """
    if not (conf.SESSIONKIT_INVENTORY and apps.is_installed("sessionkit")):
        return
    from sessionkit.inventory import forget  # the models: only when there is a row to drop

    forget(*stored)


def expired_inventory_rows(*, dry_run: bool, batch_size: int | None = None) -> int | None:
    """Delete (or with ``dry_run`` count) the inventory rows of expired sessions; None when
    no inventory is kept."""
    if not (conf.SESSIONKIT_INVENTORY and apps.is_installed("sessionkit")):
        return None
    from sessionkit.inventory import delete_expired_rows

    return delete_expired_rows(dry_run=dry_run, batch_size=batch_size)
