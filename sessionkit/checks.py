"""System checks that catch a misconfigured sessionkit before the first request does."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model

from sessionkit import exclusions
from sessionkit.conf import conf

ENGINE_PREFIX = "sessionkit.backends."
ENGINES = tuple(
    [f"sessionkit.backends.{name}" for name in ("db", "file", "cache", "cached_db", "redis")]
    + [f"django.contrib.sessions.backends.{name}" for name in ("db", "file", "cache")]
    + [
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.signed_cookies",
    ]
)
"""The engines a SESSION_ENGINE can name (sessionkit's, then Django's)."""
DJANGO_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
OUR_MIDDLEWARE = "sessionkit.middleware.SessionMiddleware"
MODEL_ENGINES = frozenset({f"{ENGINE_PREFIX}db", f"{ENGINE_PREFIX}cached_db"})
"""The engines whose sessions live in sessionkit's model: they need its app. The others (file,
cache, redis) work without it, as Django's do without ``django.contrib.sessions``; the
inventory of signed-in sessions is then not kept."""
CONTEXT_PROCESSOR = "sessionkit.context_processors.session"
TEMPLATE_BACKENDS = (
    "django.template.backends.django.DjangoTemplates",
    "django.template.backends.jinja2.Jinja2",
)


def _engine() -> str:
    return str(settings.SESSION_ENGINE)


def _middleware() -> list[str]:
    return list(settings.MIDDLEWARE or [])


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
def check_installed(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """sessionkit's engines and middleware need its app: its models, its migrations.

    (Django's checks run only what was imported: this one is registered by the app's
    ``ready()`` and by importing the middleware, which also refuses to start without the app.)
    """
    if _engine() not in MODEL_ENGINES or apps.is_installed("sessionkit"):
        return []
    return [
        Error(
            f"SESSION_ENGINE is {_engine()!r}, whose sessions live in sessionkit's model, but "
            "'sessionkit' is not in INSTALLED_APPS.",
            hint="Add 'sessionkit' to INSTALLED_APPS and run `python manage.py migrate`.",
            id="sessionkit.E004",
        )
    ]


@register(Tags.compatibility)
def check_engine_imports(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        import_module(_engine())
    except ImportError as exc:
        return [
            Error(
                f"SESSION_ENGINE {_engine()!r} cannot be imported ({exc}).",
                hint=f"Set SESSION_ENGINE to one of: {', '.join(ENGINES)}.",
                id="sessionkit.E007",
            )
        ]
    return []


DJANGO_MODEL_ENGINES = frozenset(
    {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}
)


def djangos_engine_without_its_app() -> str | None:
    """The message when SESSION_ENGINE is Django's db or cached_db engine (Django's default
    is the db engine) while its app is not installed: every request would fail on its model."""
    if _engine() in DJANGO_MODEL_ENGINES and "django.contrib.sessions" not in (
        settings.INSTALLED_APPS
    ):
        return (
            f"SESSION_ENGINE is {_engine()!r} (Django's default when the setting is not set), "
            "whose model needs 'django.contrib.sessions' in INSTALLED_APPS: every request "
            "would fail. Set SESSION_ENGINE = 'sessionkit.backends.db' (or another "
            "sessionkit engine)."
        )
    return None


@register(Tags.compatibility)
def check_djangos_engine(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if (
        OUR_MIDDLEWARE not in _middleware()
        or (message := djangos_engine_without_its_app()) is None
    ):
        return []
    return [Error(message, id="sessionkit.E008")]


@register(Tags.compatibility)
def check_djangos_engine_kept(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """sessionkit's middleware on Django's engine, with Django's app still installed (so E008
    is silent): a switch that forgot SESSION_ENGINE works, on Django's store."""
    engine = _engine()
    ours = engine.replace("django.contrib.sessions.", "sessionkit.")
    if (
        OUR_MIDDLEWARE not in _middleware()
        or not engine.startswith("django.contrib.sessions.backends.")
        or ours not in ENGINES  # signed_cookies: sessionkit has no such engine to suggest
        or djangos_engine_without_its_app() is not None
    ):
        return []
    return [
        Warning(
            f"SESSION_ENGINE is Django's {engine!r} (Django's default when the setting is not "
            "set) under sessionkit's middleware: sessions are tracked, but stored by Django's "
            "engine — every new visitor is written at once (no pending marker), saves "
            "overwrite each other, and there are no hashed keys.",
            hint=f"Set SESSION_ENGINE to the sessionkit engine of the same kind: {ours!r}.",
            id="sessionkit.W004",
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
def check_track_exclude(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        exclusions.compiled(conf.SESSIONKIT_TRACK_EXCLUDE)
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Each entry is a regular expression searched in the path, e.g. "
                'SESSIONKIT_TRACK_EXCLUDE = [r"^/static/", r"(?i)^/health/"]. Until it is '
                "fixed, requests exclude only the default paths.",
                id="sessionkit.E009",
            )
        ]
    return []


@register(Tags.compatibility)
def check_middleware(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    middleware = _middleware()
    if DJANGO_MIDDLEWARE in middleware and OUR_MIDDLEWARE not in middleware:
        if not _engine().startswith(ENGINE_PREFIX):
            return []
        return [
            Warning(
                f"SESSION_ENGINE is sessionkit's {_engine()!r}, but MIDDLEWARE has Django's "
                "SessionMiddleware: sessions work, but nothing is tracked (every session "
                "figure stays 0), no pending marker spares cookieless clients a write, and "
                "there is no inventory of signed-in sessions.",
                hint=f"Replace {DJANGO_MIDDLEWARE!r} with {OUR_MIDDLEWARE!r} in MIDDLEWARE.",
                id="sessionkit.W001",
            )
        ]
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


@register(Tags.templates)
def check_context_processor(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if OUR_MIDDLEWARE not in _middleware():
        return []
    backends: list[dict[str, Any]] = list(settings.TEMPLATES)  # type: ignore[arg-type]
    missing = [
        str(backend.get("NAME") or backend["BACKEND"].rsplit(".", 1)[-1])
        for backend in backends
        if backend.get("BACKEND") in TEMPLATE_BACKENDS
        and CONTEXT_PROCESSOR not in (backend.get("OPTIONS") or {}).get("context_processors", [])
    ]
    if not missing:
        return []
    return [
        Warning(
            f"The template backend(s) {', '.join(missing)} lack sessionkit's context processor: "
            "their templates get no `session` object, and `{{ session.num_requests }}` and the "
            "like render empty.",
            hint=f"Add {CONTEXT_PROCESSOR!r} to TEMPLATES[...]['OPTIONS']['context_processors'] "
            "(or silence sessionkit.W002 for a backend that renders no pages).",
            id="sessionkit.W002",
        )
    ]


@register(Tags.database)
def check_tables(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The tables sessionkit needs exist (``check --database``, and ``migrate`` runs it).

    A warning rather than an error: ``migrate`` itself runs the database checks first, and an
    error there would stop the very command that creates the tables.
    """
    if not databases or not apps.is_installed("sessionkit") or _inside_migrate():
        return []
    from sessionkit.models import Session, SessionRecord, SignOut

    needed: list[type[Model]] = []
    if _engine() in ("sessionkit.backends.db", "sessionkit.backends.cached_db"):
        needed.append(Session)
    if conf.SESSIONKIT_INVENTORY and (
        OUR_MIDDLEWARE in _middleware() or _engine().startswith(ENGINE_PREFIX)
    ):
        needed += [SessionRecord, SignOut]
    messages: list[CheckMessage] = []
    for model in needed:
        alias = router.db_for_write(model)
        if alias not in databases:
            continue
        if model._meta.db_table not in connections[alias].introspection.table_names():
            messages.append(
                Warning(
                    f"The table {model._meta.db_table} does not exist in the database "
                    f"{alias!r}: every request will fail to use the session (it is logged, "
                    "and the page served without one).",
                    hint="Run `python manage.py migrate`.",
                    id="sessionkit.W003",
                )
            )
    return messages


def _inside_migrate() -> bool:
    """Whether ``migrate`` runs these checks: it runs the database checks before it creates
    the tables, and would tell its own user to run it."""
    migrate = "django.core.management.commands.migrate"
    frame = sys._getframe(1)
    while frame is not None:
        # The command's own code, or BaseCommand.execute()/check() running for it.
        if frame.f_globals.get("__name__") == migrate:
            return True
        if type(frame.f_locals.get("self")).__module__ == migrate:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


# --- deployment: Django's session-cookie checks, for sessionkit's app and middleware -------------


def _secure_message(message: str) -> str:
    return message + (
        " Using a secure-only session cookie makes it more difficult for network traffic "
        "sniffers to hijack user sessions."
    )


def _httponly_message(message: str) -> str:
    return message + (
        " Using an HttpOnly session cookie makes it more difficult for cross-site scripting "
        "attacks to hijack user sessions."
    )


@register(Tags.security, deploy=True)
def check_session_cookie_secure(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Django's security.W010–W012, which look for Django's sessions app and middleware by
    name and so stay quiet once sessionkit replaces them."""
    return _cookie_flag_warnings(
        settings.SESSION_COOKIE_SECURE,
        "SESSION_COOKIE_SECURE",
        _secure_message,
        ("sessionkit.W010", "sessionkit.W011", "sessionkit.W012"),
    )


@register(Tags.security, deploy=True)
def check_session_cookie_httponly(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Django's security.W013–W015, for sessionkit."""
    return _cookie_flag_warnings(
        settings.SESSION_COOKIE_HTTPONLY,
        "SESSION_COOKIE_HTTPONLY",
        _httponly_message,
        ("sessionkit.W013", "sessionkit.W014", "sessionkit.W015"),
    )


def _cookie_flag_warnings(
    value: object, name: str, message: Any, ids: tuple[str, str, str]
) -> list[CheckMessage]:
    if value is True:
        return []
    if "django.contrib.sessions" in settings.INSTALLED_APPS or DJANGO_MIDDLEWARE in _middleware():
        return []  # Django's own checks say it
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    if {i.replace("sessionkit.", "security.") for i in ids} & silenced:
        return []  # a project that silenced Django's warning switched: it stays silenced
    app, middleware = "sessionkit" in settings.INSTALLED_APPS, OUR_MIDDLEWARE in _middleware()
    if app and middleware:
        return [Warning(message(f"{name} is not set to True."), id=ids[2])]
    if app:
        text = (
            f"You have 'sessionkit' in your INSTALLED_APPS, but you have not set {name} to True."
        )
        return [Warning(message(text), id=ids[0])]
    if middleware:
        text = (
            f"You have {OUR_MIDDLEWARE!r} in your MIDDLEWARE, but you have not set {name} to True."
        )
        return [Warning(message(text), id=ids[1])]
    return []
