from __future__ import annotations

import os
import tempfile
from typing import Any

from tests.services import (
    DEAD_PORT,
    MEMCACHED,
    OWN_MEMCACHED_PORT,
    OWN_REDIS_PORT,
    POSTGRES,
    REDIS,
    available,
)

SECRET_KEY = "sessionkit-tests-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "sessionkit",
    "django.contrib.sessions",  # only for running Django's engines beside ours
    "demo_site.catalog",
    "tests.customsessions",  # a session model of one's own, as Django's docs extend the db engine
]

MIDDLEWARE = [
    "sessionkit.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

_HERE = os.path.dirname(__file__)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(_HERE, "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sessionkit.context_processors.session",
            ]
        },
    },
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [os.path.join(_HERE, "jinja2")],
        "OPTIONS": {"context_processors": ["sessionkit.context_processors.session"]},
    },
]

DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        # A file, not shared-cache memory: concurrent tests need SQLite's busy timeout, which
        # a shared in-memory database does not honour.
        "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"sessionkit_test_{os.getpid()}.db")},
    },
}
# PostgreSQL is added only when it answers, so a laptop without it can still run the rest;
# tests that need it skip (or, in CI, fail) through tests.services.need("postgres").
if available("postgres"):
    DATABASES["postgres"] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(POSTGRES[1]),
        "USER": os.environ.get("SESSIONKIT_TEST_PG_USER", "postgres"),
        "NAME": os.environ.get("SESSIONKIT_TEST_PG_NAME", "test"),
        "TEST": {"NAME": f"test_sessionkit_{os.getpid()}"},
    }
DATABASE_ROUTERS = ["tests.routers.SessionRouter"]

_redis = f"redis://{REDIS[0]}:{REDIS[1]}"
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{_redis}/15",
        "KEY_PREFIX": "sessionkit-tests",
    },
    "django_redis": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"{_redis}/14",
        "KEY_PREFIX": "sessionkit-tests",
    },
    "memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": f"{MEMCACHED[0]}:{MEMCACHED[1]}",
        "KEY_PREFIX": "sessionkit-tests",
    },
    # Servers that tests/test_faults.py starts and stops itself.
    "own_redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{OWN_REDIS_PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
    "own_memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": f"127.0.0.1:{OWN_MEMCACHED_PORT}",
        "OPTIONS": {"connect_timeout": 0.5, "timeout": 0.5},
    },
    "dead_redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{DEAD_PORT}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
}

STATIC_URL = "/static/"
# The subprocess tests of manage.py commands choose these through the environment.
SESSION_ENGINE = os.environ.get("SESSIONKIT_TEST_SESSION_ENGINE", "sessionkit.backends.db")
SESSION_FILE_PATH = os.environ.get("SESSIONKIT_TEST_SESSION_FILE_PATH", tempfile.gettempdir())
