from __future__ import annotations

from django.db import DatabaseError


class UnserializableSessionValue(TypeError):
    """A value put in the session cannot be stored by ``SESSION_SERIALIZER``.

    Raised by ``save()``; the message names the offending key so the view that put it there
    is easy to find. A ``TypeError`` so code that catches the serializer's own error still does.
    """

    def __init__(self, key: str, serializer: str, reason: BaseException) -> None:
        self.key = key
        super().__init__(
            f"The session value under key {key!r} cannot be serialised by {serializer}: "
            f"{reason}. Store only values that serializer accepts (for the default "
            "JSONSerializer: str, int, float, bool, None, and lists and dicts of them)."
        )


class SessionTooLarge(ValueError):
    """The encoded session is larger than ``SESSIONKIT_MAX_SIZE``; raised by ``save()``."""


class SessionStoreUnavailable(RuntimeError):
    """No new session could be created: every attempt failed, as when a cache is down
    (Memcached clients report a dead server as a failed ``add``, not as an error)."""


class SessionConflict(RuntimeError):
    """A save kept losing to other saves of the same session and gave up.

    Only under extreme contention on one session: each loss means another request's save
    went through, and every retry merges with it first.
    """


_MISSING_TABLE = ("no such table", "does not exist", "doesn't exist")


def hint_for(exc: BaseException) -> str:
    """A hint to add to the log line of a store error, when it says what to do."""
    if isinstance(exc, DatabaseError) and any(text in str(exc) for text in _MISSING_TABLE):
        return " The table is missing: run `python manage.py migrate`."
    return ""


def _store_errors() -> tuple[type[BaseException], ...]:
    """What a session store that is down or unreachable raises."""
    errors: list[type[BaseException]] = [
        DatabaseError,
        OSError,
        SessionStoreUnavailable,
        SessionConflict,
    ]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:
        pass
    try:
        from pymemcache.exceptions import MemcacheError

        errors.append(MemcacheError)
    except ImportError:
        pass
    return tuple(errors)


STORE_ERRORS = _store_errors()
