"""Never lose a write: 50 overlapping requests on one session, each setting its own key.

Each request runs in its own thread with its own database connection, loads the session, waits
until all 50 have loaded it, then sets its key and saves: the worst case for lost updates.
Every engine must keep all 50 keys and count exactly 50 more requests. The same run against
Django's engine of the same name is printed beside it (Django is expected to lose some).
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.test.utils import override_settings

from sessionkit.tracking import Figures
from sessionkit.visit import FIGURES_KEY
from tests import views
from tests.conftest import ENGINES, transactional

COOKIE = django_settings.SESSION_COOKIE_NAME
REQUESTS = 50


def overlapping(key: str, count: int) -> list[int]:
    """``count`` requests on the session ``key`` that all load it before any saves."""
    barrier = threading.Barrier(count)
    views.RACE[:] = [barrier]
    statuses: list[int] = []

    def one(n: int) -> None:
        try:
            client = Client(raise_request_exception=False)
            client.cookies[COOKIE] = key
            statuses.append(client.get(f"/race/k{n}/").status_code)
        finally:
            connections.close_all()

    # Each thread runs in a copy of this context, so the database router's choice holds there.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(one, n))
        for n in range(count)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        views.RACE.clear()
    return statuses


@pytest.mark.parametrize("engine", [transactional(p) for p in ENGINES], indirect=True)
def test_fifty_overlapping_requests_lose_nothing(engine: Any, capsys: Any) -> None:
    client = Client()
    client.get("/page/")
    client.get("/page/")  # the session is stored from the second request on
    key = client.cookies[COOKIE].value
    before = Figures.load(engine.store_class(key)[FIGURES_KEY]).requests

    statuses = overlapping(key, REQUESTS)

    assert statuses == [200] * REQUESTS
    stored = engine.store_class(key).load()
    kept = sum(1 for n in range(REQUESTS) if stored.get(f"k{n}"))
    figures = Figures.load(stored[FIGURES_KEY])
    django_kept = djangos_engine_keeps(engine)
    djangos = "cache engine on RedisCache" if engine.name == "redis" else f"{engine.name} engine"
    with capsys.disabled():
        print(
            f"\n  {engine.label:26} {REQUESTS} overlapping requests: sessionkit kept {kept}/"
            f"{REQUESTS} keys, counted {figures.requests - before} requests; Django's "
            f"{djangos} kept {django_kept}/{REQUESTS}"
        )
    assert kept == REQUESTS
    assert figures.requests - before == REQUESTS


def djangos_engine_keeps(engine: Any) -> int:
    """The same run against Django's engine and middleware: how many keys survive."""
    from importlib import import_module

    # Django has no Redis engine of its own: its cache engine on RedisCache is the nearest.
    name, alias = ("cache", "redis") if engine.name == "redis" else (engine.name, None)
    path = f"django.contrib.sessions.backends.{name}"
    with override_settings(
        SESSION_ENGINE=path,
        SESSION_CACHE_ALIAS=alias or django_settings.SESSION_CACHE_ALIAS,
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
    ):
        store = import_module(path).SessionStore()
        store["start"] = True
        store.save()
        overlapping(store.session_key, REQUESTS)
        stored = import_module(path).SessionStore(store.session_key).load()
    return sum(1 for n in range(REQUESTS) if stored.get(f"k{n}"))
