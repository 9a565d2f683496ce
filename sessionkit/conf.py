"""Every ``SESSIONKIT_*`` setting and its default.

Each is read from ``django.conf.settings`` the first time it is asked for and kept until any
setting changes (Django's ``setting_changed`` signal, which ``override_settings`` and
pytest-django's ``settings`` fixture send): the middleware asks for a dozen on every request,
and a setting a project does not define is a failed attribute lookup each time.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.urls import get_script_prefix

from sessionkit import exclusions


@functools.lru_cache(maxsize=8)
def _default_exclusions(
    static_url: str | None, media_url: str | None, script_prefix: str
) -> tuple[str, ...]:
    """The static and media URLs (when served by this site), the favicon, robots.txt and the
    admin's JavaScript catalogue (``/admin/jsi18n/``, a script every admin form loads).

    Patterns are searched in the path without the script prefix (``path_info``), and Django
    puts that prefix before a relative ``STATIC_URL`` or ``MEDIA_URL``: it is taken off."""
    patterns = [r"^/favicon\.ico$", r"^/robots\.txt$", r"^/[^?]*/jsi18n/$"]
    for url in (static_url, media_url):
        if url and not urlsplit(url).netloc:
            path = urlsplit(url).path
            if script_prefix != "/" and path.startswith(script_prefix):
                path = path[len(script_prefix) :]
            path = "/" + path.lstrip("/")
            if path != "/":
                patterns.append("^" + re.escape(path))
    return tuple(patterns)


class Settings:
    @property
    def SESSIONKIT_FILE_PREFIX(self) -> str:
        """Prefix of session file names in ``SESSION_FILE_PATH``."""
        return str(getattr(settings, "SESSIONKIT_FILE_PREFIX", "sessionkit-"))

    @property
    def SESSIONKIT_CACHE_KEY_PREFIX(self) -> str:
        """Prefix of the keys the cache and cached_db engines write."""
        return str(getattr(settings, "SESSIONKIT_CACHE_KEY_PREFIX", "sessionkit:"))

    @property
    def SESSIONKIT_TRACK_EXCLUDE(self) -> list[str]:
        """Regexes (searched in the path) of requests that are not tracked; setting it replaces
        the default: the static and media URLs, ``/favicon.ico``, ``/robots.txt`` and
        JavaScript catalogues (``…/jsi18n/``)."""
        value = getattr(settings, "SESSIONKIT_TRACK_EXCLUDE", None)
        if isinstance(value, (str, bytes)):  # list("^/static/") would be one pattern a letter
            raise ImproperlyConfigured(
                f"SESSIONKIT_TRACK_EXCLUDE is one string ({value!r}); it must be a list of "
                f"regular expressions: [{value!r}]."
            )
        return default_track_exclude() if value is None else list(value)

    @property
    def track_exclusions(self) -> tuple[re.Pattern[str], ...]:
        """``SESSIONKIT_TRACK_EXCLUDE`` compiled (sessionkit.exclusions). Where it cannot be
        (check sessionkit.E009 says why), the default, with the reason logged once: a setting
        mistyped on a server that runs no checks must not answer 500 on every page."""
        try:
            return exclusions.compiled(self.SESSIONKIT_TRACK_EXCLUDE)
        except ImproperlyConfigured as exc:
            logging.getLogger("sessionkit").error(
                "%s Until it is fixed, only the default paths are excluded from tracking "
                "(sessionkit.E009).",
                exc,
            )
            return exclusions.compiled(default_track_exclude())

    @property
    def SESSIONKIT_ABSOLUTE_AGE(self) -> int | None:
        """Seconds after a session's first request at which it ends, however active."""
        value = getattr(settings, "SESSIONKIT_ABSOLUTE_AGE", None)
        return None if value is None else int(value)

    @property
    def SESSIONKIT_REQUIRE_CONSENT(self) -> bool:
        """Store nothing and send no session cookie until the visitor grants permission."""
        return bool(getattr(settings, "SESSIONKIT_REQUIRE_CONSENT", False))

    @property
    def SESSIONKIT_CONSENT_COOKIE_NAME(self) -> str:
        return str(getattr(settings, "SESSIONKIT_CONSENT_COOKIE_NAME", "sessionkit_consent"))

    @property
    def SESSIONKIT_CONSENT_COOKIE_AGE(self) -> int:
        """How long a granted permission lasts, in seconds (default: one year)."""
        return int(getattr(settings, "SESSIONKIT_CONSENT_COOKIE_AGE", 365 * 24 * 3600))

    @property
    def SESSIONKIT_PENDING_COOKIE_NAME(self) -> str:
        """The signed marker sent with the key of a session not yet stored. A credential until
        the session is stored: its default name is one Django's error reports redact (they
        hide cookies whose names contain TOKEN, KEY, SECRET, AUTH, ...)."""
        return str(getattr(settings, "SESSIONKIT_PENDING_COOKIE_NAME", "sessionkit_pending_token"))

    @property
    def SESSIONKIT_PENDING_AGE(self) -> int:
        """Seconds within which a new visitor's second request still counts their first."""
        return int(getattr(settings, "SESSIONKIT_PENDING_AGE", 3600))

    @property
    def SESSIONKIT_CACHED_DB_MAX_AGE(self) -> int:
        """Seconds cached_db keeps a copy of a session in its cache after writing it: also
        the longest another process may read a session from the cache after it was ended
        while the cache did not answer."""
        return max(1, int(getattr(settings, "SESSIONKIT_CACHED_DB_MAX_AGE", 60)))

    @property
    def SESSIONKIT_CACHED_DB_CACHE(self) -> str:
        """cached_db's cache: ``"django"`` (the cache ``SESSION_CACHE_ALIAS`` names) or
        ``"redis"`` (the client of ``SESSIONKIT_REDIS``: one server, Sentinel or Cluster)."""
        value = str(getattr(settings, "SESSIONKIT_CACHED_DB_CACHE", "django"))
        if value not in ("django", "redis"):
            raise ImproperlyConfigured(
                f"SESSIONKIT_CACHED_DB_CACHE is {value!r}; it must be 'django' (the cache "
                "SESSION_CACHE_ALIAS names) or 'redis' (the client of SESSIONKIT_REDIS)."
            )
        return value

    @property
    def SESSIONKIT_ADOPT_DJANGO_SESSIONS(self) -> bool:
        """Adopt a session that Django's engine of the same kind stored, on its cookie's first
        visit (sessionkit.adoption): switching to sessionkit logs nobody out."""
        return bool(getattr(settings, "SESSIONKIT_ADOPT_DJANGO_SESSIONS", True))

    @property
    def SESSIONKIT_CLEANUP_BATCH_SIZE(self) -> int:
        """Expired sessions deleted per statement by ``cleanup`` and ``clear_expired()``."""
        return int(getattr(settings, "SESSIONKIT_CLEANUP_BATCH_SIZE", 5000))

    @property
    def SESSIONKIT_MAX_SIZE(self) -> int | None:
        """Largest encoded session, in bytes, that ``save()`` accepts (None: no limit)."""
        value = getattr(settings, "SESSIONKIT_MAX_SIZE", 64 * 1024)
        return None if value is None else int(value)

    @property
    def SESSIONKIT_HASH_KEYS(self) -> bool:
        """Keep only a keyed hash of each session key in the store (see sessionkit.keys)."""
        return bool(getattr(settings, "SESSIONKIT_HASH_KEYS", False))

    @property
    def SESSIONKIT_HASH_SECRET(self) -> str | None:
        """The secret of that hash; default ``SECRET_KEY``."""
        value = getattr(settings, "SESSIONKIT_HASH_SECRET", None)
        return None if value is None else str(value)

    @property
    def SESSIONKIT_HASH_KEYS_FALLBACK(self) -> bool:
        """While switching hashing on: a session not found under its hash is looked up under
        its plain key once and moved. Default: on whenever hashing is on."""
        return bool(getattr(settings, "SESSIONKIT_HASH_KEYS_FALLBACK", self.SESSIONKIT_HASH_KEYS))

    @property
    def SESSIONKIT_ADMIN(self) -> bool:
        """Register sessions in the Django admin (read at start-up, when the admin loads)."""
        return bool(getattr(settings, "SESSIONKIT_ADMIN", True))

    @property
    def SESSIONKIT_INVENTORY(self) -> bool:
        """Keep the inventory of signed-in sessions (sessionkit.inventory)."""
        return bool(getattr(settings, "SESSIONKIT_INVENTORY", True))

    @property
    def SESSIONKIT_INVENTORY_INTERVAL(self) -> int:
        """Seconds between refreshes of a session's "last seen" in the inventory."""
        return int(getattr(settings, "SESSIONKIT_INVENTORY_INTERVAL", 300))

    @property
    def SESSIONKIT_STORE_IP(self) -> bool:
        """Keep the client's IP address in the inventory (off: privacy)."""
        return bool(getattr(settings, "SESSIONKIT_STORE_IP", True))

    @property
    def SESSIONKIT_IP_HEADER(self) -> str | None:
        """``request.META`` key of the header your proxies append the client's address to,
        e.g. ``"HTTP_X_FORWARDED_FOR"``; None: ``REMOTE_ADDR``."""
        value = getattr(settings, "SESSIONKIT_IP_HEADER", None)
        return None if value is None else str(value)

    @property
    def SESSIONKIT_TRUSTED_PROXIES(self) -> int:
        """How many proxies of yours append to ``SESSIONKIT_IP_HEADER``: the client's address
        is that many entries from its right (anything further left the client wrote)."""
        return int(getattr(settings, "SESSIONKIT_TRUSTED_PROXIES", 1))


class _Kept:
    """A setting read on first use and then kept in the instance's ``__dict__``: a descriptor
    without ``__set__``, so a kept value is found by attribute lookup alone, no call."""

    def __init__(self, read: property) -> None:
        self.read = read.fget
        self.name = read.fget.__name__  # type: ignore[union-attr]
        self.__doc__ = read.__doc__

    def __get__(self, instance: Settings | None, owner: type[Settings]) -> Any:
        if instance is None:
            return self
        generation = _forgotten[0]
        value = self.read(instance)  # type: ignore[misc]
        with _forgetting:
            # Kept only if no setting changed while it was read (another thread's
            # override_settings, say): a value read before the change must not outlive it.
            if _forgotten[0] == generation:
                instance.__dict__[self.name] = value
        return value


for _name, _attribute in list(vars(Settings).items()):
    if isinstance(_attribute, property):
        setattr(Settings, _name, _Kept(_attribute))


def default_track_exclude() -> list[str]:
    """What ``SESSIONKIT_TRACK_EXCLUDE`` is when not set."""
    static, media = getattr(settings, "STATIC_URL", None), getattr(settings, "MEDIA_URL", None)
    return list(
        _default_exclusions(static and str(static), media and str(media), get_script_prefix())
    )


_READ_BY_DJANGO: dict[str, Any] = object.__getattribute__(settings, "__dict__")
"""Where ``django.conf.settings`` keeps each setting read through it (``LazySettings`` caches
the value it returns in its own ``__dict__``, drops it when the setting is assigned, and drops
them all when the settings are replaced: ``override_settings``, ``configure``)."""
_NOT_READ = object()


def django_setting(name: str) -> Any:
    """``getattr(settings, name)``, the same value at a third of the cost: read from where
    ``LazySettings`` kept it (through ``settings`` the first time). Every ``settings.X`` runs
    ``LazyObject.__getattribute__`` in Python (3.3k instructions; this, 1.0k), and the
    middleware reads a dozen of Django's settings on every request."""
    value = _READ_BY_DJANGO.get(name, _NOT_READ)
    return getattr(settings, name) if value is _NOT_READ else value


_forgetting = threading.Lock()
_forgotten = [0]
"""How many times the kept settings were forgotten."""


def _forget(**kwargs: Any) -> None:
    with _forgetting:
        _forgotten[0] += 1
        vars(conf).clear()


setting_changed.connect(_forget, dispatch_uid="sessionkit.conf")

conf = Settings()
