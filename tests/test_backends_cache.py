"""The cache engine's access to Django's caches (the shared engine suite covers its behaviour)."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
import redis
from django.core.cache import caches

from sessionkit.backends.cache import SessionStore
from tests import services


def connections_received(probe: redis.Redis) -> int:
    return int(probe.info("stats")["total_connections_received"])


@pytest.fixture
def on_django_redis_cache(settings: Any) -> None:
    services.need("redis")
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis"


def in_a_new_context(function: Any) -> Any:
    """Run ``function`` as an ASGI request runs: in a context of its own, where Django's
    caches (local to the context) are new objects."""
    return contextvars.Context().run(function)


def test_a_request_with_a_new_cache_object_opens_no_new_connection(
    on_django_redis_cache: None,
) -> None:
    """Under ASGI every request gets a new RedisCache, each with a connection pool of its own:
    Django's cache engine connects to Redis anew on every request. sessionkit's shares one
    client per server and options."""
    assert in_a_new_context(lambda: caches["redis"]) is not caches["redis"]
    store = SessionStore()
    store["visits"] = 1
    store.save()
    key = store.session_key

    def request() -> None:
        session = SessionStore(key)
        session["visits"] += 1
        session.save()

    in_a_new_context(request)
    probe = redis.Redis(*services.REDIS)
    before = connections_received(probe)
    for _ in range(20):
        in_a_new_context(request)
    assert connections_received(probe) - before == 0
    assert SessionStore(key)["visits"] == 22


def test_a_cache_with_options_that_cannot_be_hashed_still_works(settings: Any) -> None:
    services.need("redis")
    settings.CACHES = {
        **settings.CACHES,
        "redis_unhashable": {
            **settings.CACHES["redis"],
            "OPTIONS": {"health_check_interval": 30, "retry_on_error": [TimeoutError]},
        },
    }
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "redis_unhashable"
    store = SessionStore()
    store["theme"] = "dark"
    store.save()
    assert SessionStore(store.session_key)["theme"] == "dark"
