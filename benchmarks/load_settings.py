"""The demo site under load: sessionkit's stack, or Django's (``BENCH_STACK=django``).

Both use cached_db on PostgreSQL + Redis, persistent database connections (a pool under
ASGI, as Django advises) and no consent banner. Django's stack swaps in Django's
SessionMiddleware and its cached_db engine; the demo's home view keeps its num_visits
counter either way. With ``BENCH_PAGE=tracked`` the benchmarks' own pages are served as
well (``/tracked/`` and ``/counter/``, see benchmarks.urls), the pages of
``benchmarks.engines`` section 2.
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
from demo_site.settings import DATABASES, INSTALLED_APPS, MIDDLEWARE, TEMPLATES  # noqa: E402

if os.environ.get("BENCH_SERVER") == "uvicorn":
    # Django: "When using ASGI, persistent connections should be disabled. Instead, use your
    # database backend's built-in connection pooling" (each request may run on a new thread,
    # and a persistent connection per thread leaks until PostgreSQL refuses more).
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 8}}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = None  # persistent, as a production site runs
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if os.environ.get("BENCH_PAGE") == "tracked":
    ROOT_URLCONF = "benchmarks.load_urls"
    TEMPLATES[0]["DIRS"] = [
        *TEMPLATES[0]["DIRS"],
        os.path.join(os.path.dirname(__file__), "templates"),
    ]

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
