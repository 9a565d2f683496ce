"""Failing services, for real: a Redis and a Memcached of the test's own, stopped mid-run.

Each test starts its own server on a spare port (so the shared services stay up), runs
requests, stops the server, runs more, and, for Redis, starts it again.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.services import required

COOKIE = django_settings.SESSION_COOKIE_NAME
OWN_REDIS_PORT = 16379
OWN_MEMCACHED_PORT = 11299


class Server:
    """A server process of the test's own, that can be stopped and started again."""

    def __init__(self, command: list[str], port: int) -> None:
        self.command, self.port = command, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.command[0]} did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None


def own_server(binary: str, command: list[str], port: int) -> Iterator[Server]:
    if shutil.which(binary) is None:
        message = f"{binary} is not installed"
        if required():
            pytest.fail(f"{message} (SESSIONKIT_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(message)
    server = Server(command, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_redis() -> Iterator[Server]:
    command = ["redis-server", "--port", str(OWN_REDIS_PORT), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no"]
    yield from own_server("redis-server", command, OWN_REDIS_PORT)


@pytest.fixture
def own_memcached() -> Iterator[Server]:
    command = ["memcached", "-l", "127.0.0.1", "-p", str(OWN_MEMCACHED_PORT), "-U", "0"]
    command += ["-u", "nobody"]
    yield from own_server("memcached", command, OWN_MEMCACHED_PORT)


def visit(browser: Client, path: str, **params: str) -> Any:
    response = browser.get(path, params)
    assert response.status_code < 500, (path, response.status_code)
    return response


@pytest.mark.django_db
def test_cached_db_survives_redis_stopping_and_restarting(
    own_redis: Server, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "own_redis"
    browsers = [Client(raise_request_exception=False) for _ in range(20)]
    for n, browser in enumerate(browsers):
        visit(browser, "/page/")
        visit(browser, "/set/", reader=str(n))

    own_redis.stop()
    with caplog.at_level(logging.ERROR, logger="sessionkit.backends.cached_db"):
        for n, browser in enumerate(browsers):
            shown = visit(browser, "/page/").json()
            assert shown["num_requests"] == 3, "served from the database"
            assert visit(browser, "/").json()["data"] == {"reader": str(n)}
            visit(browser, "/set/", during="outage")
    assert any("own_redis" in record.getMessage() for record in caplog.records)

    own_redis.start()
    for n, browser in enumerate(browsers):
        data = visit(browser, "/").json()["data"]
        assert data == {"reader": str(n), "during": "outage"}, "no session lost"
        assert visit(browser, "/page/").json()["num_requests"] == 7


def test_cache_engine_with_memcached_stopped_serves_pages(
    own_memcached: Server, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cache"
    settings.SESSION_CACHE_ALIAS = "own_memcached"
    browser = Client(raise_request_exception=False)
    visit(browser, "/page/")
    visit(browser, "/set/", cart="book-1")
    assert visit(browser, "/").json()["data"] == {"cart": "book-1"}

    own_memcached.stop()
    with caplog.at_level(logging.ERROR):
        shown = visit(browser, "/page/").json()
        assert shown["first_page"] is True  # the session is out of reach
        visit(browser, "/set/", cart="book-2")
        assert visit(browser, "/").status_code == 200
    logged = [r for r in caplog.records if r.name.startswith("sessionkit")]
    assert logged, "the failure is logged"
