from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests import redis_topologies, services
from tests.routers import SESSION_DB
from tests.servers import (
    OWN_MEMCACHED_PORT,
    OWN_REDIS_PORT,
    Server,
    answers,
    need_binary,
    own_server,
    redis_command,
)


@dataclass(frozen=True)
class Engine:
    """One engine/backend pair of the shared engine suite."""

    name: str
    cache: str | None = None
    db: str | None = None
    services: tuple[str, ...] = ()
    redis: str | None = None
    """The Redis topology of sessionkit.backends.redis (and cached_db on its client):
    ``single``, ``sentinel`` or ``cluster``."""
    module: str | None = None
    """The engine's module, when it is not sessionkit's own (a custom db engine)."""

    @property
    def path(self) -> str:
        return self.module or f"sessionkit.backends.{self.name}"

    @property
    def label(self) -> str:
        """E.g. ``cached_db/redis+postgres``."""
        cache = f"redis-{self.redis}" if self.name == "cached_db" and self.redis else self.cache
        topology = self.redis if self.name == "redis" else None
        where = "+".join(part for part in (cache, self.db, topology) if part)
        return f"{self.name}/{where}" if where else self.name

    @property
    def store_class(self) -> Any:
        return import_module(self.path).SessionStore


def _engine(id: str, engine: Engine) -> Any:
    # Every engine's tests get the default database: the inventory of signed-in sessions
    # lives there whatever the engine.
    databases = sorted({"default", engine.db or "default"} & set(django_settings.DATABASES))
    return pytest.param(engine, id=id, marks=[pytest.mark.django_db(databases=databases)])


ENGINES = [
    _engine("db-sqlite", Engine("db", db="default")),
    _engine("db-postgres", Engine("db", db="postgres", services=("postgres",))),
    _engine(
        "db-custom-model",
        Engine("db", db="default", module="tests.customsessions.backend"),
    ),
    _engine("file", Engine("file")),
    _engine("cache-locmem", Engine("cache", cache="locmem")),
    _engine("cache-redis", Engine("cache", cache="redis", services=("redis",))),
    _engine("cache-memcached", Engine("cache", cache="memcached", services=("memcached",))),
    _engine("cache-django-redis", Engine("cache", cache="django_redis", services=("redis",))),
    _engine("cached_db-locmem-sqlite", Engine("cached_db", cache="locmem", db="default")),
    _engine(
        "cached_db-redis-postgres",
        Engine("cached_db", cache="redis", db="postgres", services=("redis", "postgres")),
    ),
    _engine("redis-single", Engine("redis", redis="single", services=("redis",))),
    _engine("redis-sentinel", Engine("redis", redis="sentinel")),
    _engine("redis-cluster", Engine("redis", redis="cluster")),
    _engine("cached_db-redis-cluster-sqlite", Engine("cached_db", db="default", redis="cluster")),
]


def engines_of(*names: str) -> list[Any]:
    """The ENGINES entries of sessionkit's own engines named ``names``."""
    return [p for p in ENGINES if p.values[0].name in names and not p.values[0].module]


def transactional(param: Any) -> Any:
    """An ENGINES entry whose database test commits (for tests with threads of their own)."""
    engine = param.values[0]
    databases = sorted({"default", engine.db or "default"} & set(django_settings.DATABASES))
    marks = [pytest.mark.django_db(databases=databases, transaction=True)]
    return pytest.param(engine, id=param.id, marks=marks)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Iterator[Engine]:
    """Configure one engine (settings, database route, session folder) for the test."""
    case: Engine = request.param
    services.need(*case.services)
    settings.SESSION_ENGINE = case.path
    settings.SESSION_CACHE_ALIAS = case.cache or "default"
    settings.SESSION_FILE_PATH = str(tmp_path)
    if case.redis is not None:
        settings.SESSIONKIT_REDIS = redis_setting(request, case.redis)
        settings.SESSIONKIT_CACHED_DB_CACHE = "redis"
    token = SESSION_DB.set(case.db or "default")
    try:
        yield case
    finally:
        SESSION_DB.reset(token)


@pytest.fixture
def store_class(engine: Engine) -> Any:
    return engine.store_class


def redis_setting(request: pytest.FixtureRequest, topology: str) -> dict[str, Any]:
    """``SESSIONKIT_REDIS`` for a topology: the shared server, Sentinel set or Cluster."""
    if topology == "single":
        host, port = services.REDIS
        return {"URL": f"redis://{host}:{port}/13"}
    if topology == "sentinel":
        sentinel = request.getfixturevalue("shared_redis_sentinel")
        return {"SENTINELS": sentinel.sentinels, "SERVICE": redis_topologies.SERVICE}
    cluster = request.getfixturevalue("shared_redis_cluster")
    return {"CLUSTER": cluster.nodes}


def _shared(topology: Any, ports: tuple[int, ...]) -> Iterator[Any]:
    """A topology that answers already (.ci/run started it), or one started for this run."""
    if all(answers(port) for port in ports):
        yield topology
        return
    if any(answers(port) for port in ports):
        pytest.fail(f"Some of the ports {ports} are taken, but not by a whole {topology.name}")
    need_binary("redis-server")
    need_binary("redis-cli")
    topology.start()
    try:
        yield topology
    finally:
        topology.stop()


@pytest.fixture(scope="session")
def shared_redis_cluster() -> Iterator[redis_topologies.Cluster]:
    """A Redis Cluster of 3 primaries and 3 replicas (ports 7000-7005)."""
    yield from _shared(redis_topologies.shared_cluster(), redis_topologies.SHARED_CLUSTER_PORTS)


@pytest.fixture(scope="session")
def shared_redis_sentinel() -> Iterator[redis_topologies.SentinelSet]:
    """A primary, a replica and three Sentinels (ports 6390, 6391, 26390-26392)."""
    yield from _shared(redis_topologies.shared_sentinel(), redis_topologies.SHARED_SENTINEL_PORTS)


def issued_key(response: Any) -> str:
    """The key a pending marker (sent to a new visitor instead of a session cookie) holds."""
    from sessionkit import pending
    from sessionkit.conf import conf

    request = type("Request", (), {"COOKIES": {}})()
    request.COOKIES[conf.SESSIONKIT_PENDING_COOKIE_NAME] = response.cookies[
        conf.SESSIONKIT_PENDING_COOKIE_NAME
    ].value
    marked = pending.read(request)
    assert marked is not None, "the response carries a valid marker"
    return str(marked.key)


def public_id_of(cookie: str) -> str:
    """The public id (``session.id``) of the session a cookie carries the key of."""
    from sessionkit.keys import CookieKey, public_id, stored_key

    return public_id(stored_key(CookieKey(cookie)))


@pytest.fixture
def browser() -> Any:
    """A test client that, like a browser, gets a 500 page for an unhandled exception."""
    from django.test import Client

    return Client(raise_request_exception=False)


@pytest.fixture
def own_redis() -> Iterator[Server]:
    """A Redis of the test's own (cache alias ``own_redis``), to stop, pause or restart."""
    yield from own_server("redis-server", redis_command(OWN_REDIS_PORT), OWN_REDIS_PORT)


@pytest.fixture
def own_memcached() -> Iterator[Server]:
    """A Memcached of the test's own (cache alias ``own_memcached``)."""
    command = ["memcached", "-l", "127.0.0.1", "-p", str(OWN_MEMCACHED_PORT), "-U", "0"]
    command += ["-u", "nobody"]
    yield from own_server("memcached", command, OWN_MEMCACHED_PORT)
