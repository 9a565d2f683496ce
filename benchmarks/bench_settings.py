"""Settings for the benchmarks: real PostgreSQL, Redis and Memcached on this machine."""

from __future__ import annotations

import os
import tempfile
from typing import Any

SECRET_KEY = "sessionkit-benchmarks-not-secret"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "sessionkit",
]
_pg = {
    "ENGINE": "django.db.backends.postgresql",
    "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
    "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
    "USER": os.environ.get("BENCH_PG_USER", "postgres"),
    "NAME": os.environ.get("BENCH_PG_NAME", "sessionkit_bench"),
}
DATABASES: dict[str, dict[str, Any]] = {
    "default": _pg,
    "sqlite": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(tempfile.gettempdir(), "sessionkit_bench.sqlite3"),
    },
}
DATABASE_ROUTERS = ["benchmarks.routers.SessionRouter"]
_redis = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
CACHES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    "redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{_redis}/13",
    },
    "django_redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"{_redis}/12"},
    "memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": os.environ.get("BENCH_MEMCACHED", "127.0.0.1:11211"),
    },
}
ROOT_URLCONF = "benchmarks.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "sessionkit.context_processors.session",
            ]
        },
    }
]
MIDDLEWARE = ["sessionkit.middleware.SessionMiddleware"]
SESSION_FILE_PATH = tempfile.gettempdir()
SILENCED_SYSTEM_CHECKS = ["sessionkit.E005"]
