"""Settings of the LocalLibrary demo site.

Runs on SQLite with no other service by default. Environment variables switch the rest:

- ``DEMO_DATABASE=postgres`` (with ``DEMO_PG_HOST``, ``DEMO_PG_PORT``, ``DEMO_PG_USER``,
  ``DEMO_PG_PASSWORD``, ``DEMO_PG_NAME``; defaults 127.0.0.1, 5432, postgres, none, test) —
  PostgreSQL instead of SQLite (needs the ``postgres`` extra); ``DEMO_SQLITE_PATH`` moves the
  SQLite file (default ``demo_site/db.sqlite3``; its folder must exist).
- ``DEMO_SESSION_ENGINE`` — ``db`` (default), ``file``, ``cache`` or ``cached_db``.
- ``DEMO_CACHE`` — ``redis://host:port/db``, ``rediss://…`` or ``unix://…`` (the ``redis``
  extra) or ``memcached://host:port`` (the ``memcached`` extra) for the cache and cached_db
  engines (default: an in-process LocMemCache).
- ``DEMO_SESSION_FILE_PATH`` — the file engine's folder, which must exist (default: the
  system's temporary folder).
- ``DEMO_REQUIRE_CONSENT`` — ``1`` (default) to ask visitors before storing a session, ``0`` not.
- ``DEMO_DEBUG`` — ``1`` (default) serves static files with ``runserver``, ``0`` not.
- ``DEMO_SECRET_KEY`` — the key that signs cookies (default: a fixed key, for the demo only).
- ``DEMO_ALLOWED_HOSTS`` — more host names to answer, comma-separated, without ports (always:
  127.0.0.1, localhost, [::1] and the test client's testserver).

A value that cannot work — one outside these, an empty key, a missing folder or an in-memory
SQLite database (each server thread would get its own, empty), a cache or
database whose client library is not installed — raises ``ImproperlyConfigured`` naming the
variable at start, rather than running quietly on something else or failing on every page.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
env = os.environ.get


def choice(name: str, default: str, *allowed: str) -> str:
    """Environment variable ``name``, which must be ``default`` or one of ``allowed``."""
    value = env(name, default)
    if value != default and value not in allowed:
        expected = ", ".join(repr(each) for each in (default, *allowed))
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {expected}.")
    return value


def switch(name: str, default: str) -> bool:
    """Environment variable ``name`` as ``1`` (on) or ``0`` (off)."""
    return choice(name, default, "0" if default == "1" else "1") == "1"


def matching(name: str, default: str, pattern: str, expected: str) -> str:
    """Environment variable ``name``, which must match ``pattern`` in full."""
    value = env(name, default)
    if re.fullmatch(pattern, value) is None:
        raise ImproperlyConfigured(f"{name}={value!r}: expected {expected}.")
    return value


def folder(name: str, default: str, *, of_file: bool = False) -> str:
    """Environment variable ``name``: a folder that exists (or a file in one, ``of_file``)."""
    value = env(name, default)
    where = Path(value).parent if of_file else Path(value)
    in_memory = of_file and (value == ":memory:" or "mode=memory" in value)
    if not value or in_memory or not where.is_dir() or (of_file and Path(value).is_dir()):
        what = "a file in a folder that exists" if of_file else "a folder that exists"
        raise ImproperlyConfigured(f"{name}={value!r}: expected {what}.")
    return value


def installed(module: str, extra: str, because: str, *alternatives: str) -> None:
    """Stop at start when ``module`` (or each of ``alternatives``) is missing, rather than
    answer 500 on every page."""
    if all(importlib.util.find_spec(each) is None for each in (module, *alternatives)):
        raise ImproperlyConfigured(
            f'{because} needs the {module!r} package: .venv/bin/pip install -e ".[demo,{extra}]"'
        )


SECRET_KEY = env("DEMO_SECRET_KEY", "demo-only-not-secret-change-me-for-anything-real")
if not SECRET_KEY.strip():  # (the value itself is never echoed)
    raise ImproperlyConfigured("DEMO_SECRET_KEY is empty: set a key, or unset it for the demo's.")
DEBUG = switch("DEMO_DEBUG", "1")
ALLOWED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "testserver",
    "[::1]",
    *(host.strip() for host in env("DEMO_ALLOWED_HOSTS", "").split(",") if host.strip()),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "sessionkit",
    "demo_site.catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sessionkit.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"
ASGI_APPLICATION = "demo_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sessionkit.context_processors.session",
                "demo_site.catalog.context_processors.consent",
            ]
        },
    }
]

DATABASES: dict[str, dict[str, Any]]
if choice("DEMO_DATABASE", "sqlite", "postgres") == "postgres":
    installed("psycopg", "postgres", "DEMO_DATABASE=postgres", "psycopg2")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env("DEMO_PG_HOST", "127.0.0.1"),
            "PORT": matching("DEMO_PG_PORT", "5432", r"\d{0,5}", "a port number"),
            "USER": env("DEMO_PG_USER", "postgres"),
            "PASSWORD": env("DEMO_PG_PASSWORD", ""),
            "NAME": env("DEMO_PG_NAME", "test"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": folder("DEMO_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"), of_file=True),
        }
    }

_cache = env("DEMO_CACHE", "")
_redis = _cache.startswith(("redis://", "rediss://", "unix://"))
if _cache and not _redis and not re.fullmatch(r"memcached://(unix:/.+|[^/]+)", _cache):
    # Only the scheme and Memcached's lack of a path are checked (Django and redis-py parse
    # the rest); the address is echoed without what may precede an @ (a password).
    shown = re.sub(r"//[^/]*@", "//…@", _cache)
    raise ImproperlyConfigured(
        f"DEMO_CACHE={shown!r}: expected redis://host:port/db (rediss://, unix://) or "
        "memcached://host:port (no path)."
    )
if _redis:
    installed("redis", "redis", "DEMO_CACHE=redis://…")
elif _cache.startswith("memcached://"):
    installed("pymemcache", "memcached", "DEMO_CACHE=memcached://…")
CACHES: dict[str, dict[str, Any]]
if _redis:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache,
            "OPTIONS": {"socket_timeout": 1},
        }
    }
elif _cache.startswith("memcached://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": _cache.removeprefix("memcached://"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "sessionkit.backends." + choice(
    "DEMO_SESSION_ENGINE", "db", "file", "cache", "cached_db"
)
SESSION_FILE_PATH = (
    folder("DEMO_SESSION_FILE_PATH", tempfile.gettempdir())
    if SESSION_ENGINE.endswith(".file")
    else env("DEMO_SESSION_FILE_PATH", tempfile.gettempdir())
)
SESSIONKIT_REQUIRE_CONSENT = switch("DEMO_REQUIRE_CONSENT", "1")
# Only a keyed hash of each session key is stored (table, files, cache alike).
SESSIONKIT_HASH_KEYS = True
LOGIN_URL = "/admin/login/"

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_REDIRECT_URL = "/"
