"""Settings for the benchmarks: real PostgreSQL, Redis and Memcached on this machine."""

from __future__ import annotations

import os
import tempfile

SECRET_KEY = "sessionkit-benchmarks-not-secret"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "sessionkit",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_PG_PORT", "5432"),
        "USER": os.environ.get("BENCH_PG_USER", "postgres"),
        "NAME": os.environ.get("BENCH_PG_NAME", "sessionkit_bench"),
    }
}
SESSION_FILE_PATH = tempfile.gettempdir()
SILENCED_SYSTEM_CHECKS = ["sessionkit.E005"]
