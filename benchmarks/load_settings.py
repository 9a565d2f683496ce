"""The demo site under load: sessionkit's stack, or Django's (``BENCH_STACK=django``).

Both use cached_db on PostgreSQL + Redis and no consent banner. Django's stack swaps in
Django's SessionMiddleware and its cached_db engine; the demo's home view keeps its
num_visits counter either way.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEMO_DATABASE", "postgres")
os.environ.setdefault("DEMO_PG_NAME", "sessionkit_bench")
os.environ.setdefault("DEMO_SESSION_ENGINE", "cached_db")
os.environ.setdefault("DEMO_CACHE", "redis://127.0.0.1:6379/11")
os.environ.setdefault("DEMO_REQUIRE_CONSENT", "0")
os.environ.setdefault("DEMO_DEBUG", "0")

from demo_site.settings import *  # noqa: E402, F403
from demo_site.settings import INSTALLED_APPS, MIDDLEWARE  # noqa: E402

if os.environ.get("BENCH_STACK") == "django":
    INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions"]
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware"
        if entry == "sessionkit.middleware.SessionMiddleware"
        else entry
        for entry in MIDDLEWARE
    ]
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SILENCED_SYSTEM_CHECKS = ["sessionkit.E005"]
