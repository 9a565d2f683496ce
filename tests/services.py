"""The real services the suite talks to, and what to do when one is missing.

On a developer's machine a missing service skips its tests with a reason; with
``SESSIONKIT_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing service fails them instead.
"""

from __future__ import annotations

import functools
import os
import socket

import pytest

POSTGRES = ("127.0.0.1", int(os.environ.get("SESSIONKIT_TEST_PG_PORT", "5432")))
REDIS = ("127.0.0.1", int(os.environ.get("SESSIONKIT_TEST_REDIS_PORT", "6379")))
MEMCACHED = ("127.0.0.1", int(os.environ.get("SESSIONKIT_TEST_MEMCACHED_PORT", "11211")))
OWN_REDIS_PORT = 16379  # servers that tests start, pause and stop themselves (tests/servers.py)
OWN_MEMCACHED_PORT = 11299
DEAD_PORT = 9  # "discard": nothing listens there on these machines

SERVICES = {"postgres": POSTGRES, "redis": REDIS, "memcached": MEMCACHED}


def required() -> bool:
    return os.environ.get("SESSIONKIT_REQUIRE_SERVICES", "") not in ("", "0")


@functools.cache
def available(name: str) -> bool:
    try:
        with socket.create_connection(SERVICES[name], timeout=1):
            return True
    except OSError:
        return False


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None when Chromium and Playwright are there."""
    import importlib.util
    import shutil

    if shutil.which("chromium") is None:
        return "Debian's chromium is not installed (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright)"
    return None


def need_browser() -> None:
    reason = browser_missing()
    if reason is not None:
        if required():
            pytest.fail(f"{reason} (SESSIONKIT_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(reason)


def need(*names: str) -> None:
    """Skip (or, in CI, fail) the calling test unless every named service answers."""
    for name in names:
        if not available(name):
            host, port = SERVICES[name]
            message = f"{name} is not reachable on {host}:{port}"
            if required():
                pytest.fail(f"{message} (SESSIONKIT_REQUIRE_SERVICES is set)", pytrace=False)
            pytest.skip(message)
