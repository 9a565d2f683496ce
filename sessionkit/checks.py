"""System checks that catch a misconfigured sessionkit before the first request does."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

ENGINE_PREFIX = "sessionkit.backends."
DJANGO_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
OUR_MIDDLEWARE = "sessionkit.middleware.SessionMiddleware"


def _engine() -> str:
    return str(settings.SESSION_ENGINE)


@register(Tags.compatibility)
def check_file_path(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if _engine() != "sessionkit.backends.file":
        return []
    path = getattr(settings, "SESSION_FILE_PATH", None) or tempfile.gettempdir()
    if not os.path.isdir(path):
        return [
            Error(
                f"The session folder {path!r} does not exist.",
                hint="Create it, or set SESSION_FILE_PATH to an existing folder that the "
                "server can write to.",
                id="sessionkit.E001",
            )
        ]
    if not os.access(path, os.W_OK | os.X_OK):
        return [
            Error(
                f"The session folder {path!r} is not writable by this process.",
                hint="Give the server's user write permission on it, or set SESSION_FILE_PATH "
                "to a folder it can write to.",
                id="sessionkit.E002",
            )
        ]
    return []


@register(Tags.caches)
def check_cache_alias(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if _engine() not in ("sessionkit.backends.cache", "sessionkit.backends.cached_db"):
        return []
    alias = settings.SESSION_CACHE_ALIAS
    if alias in settings.CACHES:
        return []
    return [
        Error(
            f"SESSION_CACHE_ALIAS is {alias!r}, but CACHES has no cache of that name.",
            hint=f"Add a {alias!r} entry to CACHES, or set SESSION_CACHE_ALIAS to one of: "
            f"{', '.join(sorted(settings.CACHES)) or '(none defined)'}.",
            id="sessionkit.E003",
        )
    ]


@register(Tags.models)
def check_installed_for_db(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if _engine() not in ("sessionkit.backends.db", "sessionkit.backends.cached_db"):
        return []
    if apps.is_installed("sessionkit"):
        return []
    return [
        Error(
            f"SESSION_ENGINE is {_engine()!r}, which stores sessions in the "
            "sessionkit_session table, but 'sessionkit' is not in INSTALLED_APPS.",
            hint="Add 'sessionkit' to INSTALLED_APPS and run `python manage.py migrate`.",
            id="sessionkit.E004",
        )
    ]


@register(Tags.caches)
def check_redis(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    uses_redis = _engine() == "sessionkit.backends.redis" or (
        _engine() == "sessionkit.backends.cached_db"
        and getattr(settings, "SESSIONKIT_CACHED_DB_CACHE", "django") == "redis"
    )
    if not uses_redis:
        return []
    try:
        from sessionkit.backends.redis import Config
    except ImportError as exc:
        return [
            Error(
                f"The Redis engine needs redis-py, which does not import ({exc}).",
                hint='pip install "django-sessionkit[redis]" (redis and hiredis).',
                id="sessionkit.E006",
            )
        ]
    try:
        Config.parse(getattr(settings, "SESSIONKIT_REDIS", None))
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Set SESSIONKIT_REDIS to {'URL': 'redis://host:6379/0'}, "
                "{'CLUSTER': ['host:port', ...]} or {'SENTINELS': [('host', 26379)], "
                "'SERVICE': 'mymaster'}.",
                id="sessionkit.E006",
            )
        ]
    return []


@register(Tags.compatibility)
def check_middleware(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    middleware = list(settings.MIDDLEWARE or [])
    if OUR_MIDDLEWARE in middleware and DJANGO_MIDDLEWARE in middleware:
        return [
            Error(
                "Both Django's and sessionkit's SessionMiddleware are in MIDDLEWARE; the one "
                "that runs second replaces request.session and the first one's work is lost.",
                hint=f"Remove {DJANGO_MIDDLEWARE!r} from MIDDLEWARE: {OUR_MIDDLEWARE!r} "
                "replaces it and works with auth, messages and the admin.",
                id="sessionkit.E005",
            )
        ]
    return []
