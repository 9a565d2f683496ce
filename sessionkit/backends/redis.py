"""Redis sessions, natively: redis-py on one server, a Sentinel set or a Cluster.

``SESSION_ENGINE = "sessionkit.backends.redis"``, configured by one setting, like ``CACHES``::

    SESSIONKIT_REDIS = {"URL": "redis://127.0.0.1:6379/0"}
    SESSIONKIT_REDIS = {"CLUSTER": ["10.0.0.1:7000", "10.0.0.2:7000"]}
    SESSIONKIT_REDIS = {"SENTINELS": [("10.0.0.1", 26379)], "SERVICE": "mymaster"}

plus ``"OPTIONS"`` (handed to redis-py: passwords, TLS, timeouts), ``"KEY_PREFIX"``
(``"sessionkit:"``), ``"WAIT_REPLICAS"`` (a write waits until that many replicas confirm it;
0) and ``"WAIT_TIMEOUT_MS"`` (how long it waits; 100).

No Django cache layer in between: a session is one key, ``<prefix>{<stored key>}`` (the braces
keep anything else a session may ever need in the same Cluster slot), holding the record as
plain ``version|expires_at|data`` bytes whose TTL is the session's expiry. A load is one
``GET``; a new session one ``SET NX``; a save one compare-and-set script (``EVALSHA``), with
its ``WAIT`` in the same round trip when replicas must confirm. The async API runs natively on
``redis.asyncio`` (no thread hop). Clients are built once per process (async: per event loop)
and reused. A store that does not answer raises redis-py's errors, which the middleware turns
into a page served without a session.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.asyncio.retry
import redis.asyncio.sentinel
import redis.cluster
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import ExponentialBackoff
from redis.exceptions import NoScriptError, RedisError
from redis.retry import Retry
from redis.sentinel import Sentinel

from sessionkit import __version__
from sessionkit.adoption import DjangoCache, Source
from sessionkit.backends import redis_records
from sessionkit.backends.base import Progress, Record
from sessionkit.backends.base import SessionStore as BaseStore
from sessionkit.backends.cache import TOMBSTONE, CacheAccess, Ended, cache_timeout
from sessionkit.keys import StoredKey

SETTING = "SESSIONKIT_REDIS"


def _identity() -> dict[str, Any]:
    """Who the clients say they are (``CLIENT SETINFO``), named up front: otherwise each new
    client reads redis-py's version from its package metadata, which is file I/O inside the
    event loop for an async one."""
    try:
        from redis.driver_info import DriverInfo
    except ImportError:  # redis-py before 8
        return {"lib_version": redis.__version__}
    info = DriverInfo(lib_version=redis.__version__)
    return {"driver_info": info.add_upstream_driver("django-sessionkit", __version__)}


DEFAULT_OPTIONS: dict[str, Any] = {
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,
    **_identity(),
}
"""Give up on a server that does not answer within a second (redis-py waits for ever)."""


class NotReplicated(RedisError):
    """A write reached the primary, but fewer replicas than ``WAIT_REPLICAS`` confirmed it in
    ``WAIT_TIMEOUT_MS``: it could be lost if the primary failed now, so it is not reported as
    saved."""


@dataclass(frozen=True)
class Config:
    """``SESSIONKIT_REDIS``, checked."""

    kind: str
    """``"url"``, ``"cluster"`` or ``"sentinel"``."""
    url: str = ""
    nodes: tuple[tuple[str, int], ...] = ()
    """Cluster startup nodes, or Sentinels."""
    service: str = ""
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    key_prefix: str = "sessionkit:"
    wait_replicas: int = 0
    wait_timeout_ms: int = 100

    @classmethod
    def parse(cls, value: Any) -> Config:
        if value is None:
            raise ImproperlyConfigured(
                f"sessionkit's Redis engine needs {SETTING}, e.g. "
                f"{SETTING} = {{'URL': 'redis://127.0.0.1:6379/0'}}."
            )
        if not isinstance(value, dict):
            raise ImproperlyConfigured(
                f"{SETTING} must be a dict such as {{'URL': 'redis://127.0.0.1:6379/0'}}, "
                f"{{'CLUSTER': ['host:port', ...]}} or {{'SENTINELS': [('host', 26379)], "
                f"'SERVICE': 'mymaster'}}; it is {value!r}."
            )
        kinds = [name for name in ("URL", "CLUSTER", "SENTINELS") if value.get(name)]
        if len(kinds) != 1:
            raise ImproperlyConfigured(
                f"{SETTING} needs exactly one of 'URL', 'CLUSTER' or 'SENTINELS'; it has "
                f"{kinds or 'none'}."
            )
        wait_timeout_ms = int(value.get("WAIT_TIMEOUT_MS", 100))
        options = {**DEFAULT_OPTIONS, **dict(value.get("OPTIONS") or {})}
        if "socket_timeout" not in dict(value.get("OPTIONS") or {}):
            options["socket_timeout"] += wait_timeout_ms / 1000
        elif (options["socket_timeout"] or float("inf")) * 1000 <= wait_timeout_ms:
            raise ImproperlyConfigured(
                f"{SETTING}['OPTIONS']['socket_timeout'] ({options['socket_timeout']} s) must be "
                f"longer than WAIT_TIMEOUT_MS ({wait_timeout_ms} ms): a save waits that long "
                "for its replicas, on the same connection."
            )
        common: dict[str, Any] = {
            "options": options,
            "key_prefix": str(value.get("KEY_PREFIX", "sessionkit:")),
            "wait_replicas": int(value.get("WAIT_REPLICAS", 0)),
            "wait_timeout_ms": wait_timeout_ms,
        }
        if kinds == ["URL"]:
            return cls("url", url=str(value["URL"]), **common)
        if kinds == ["CLUSTER"]:
            return cls("cluster", nodes=_addresses(value["CLUSTER"], "CLUSTER"), **common)
        if not value.get("SERVICE"):
            raise ImproperlyConfigured(f"{SETTING} with 'SENTINELS' needs 'SERVICE' too.")
        nodes = _addresses(value["SENTINELS"], "SENTINELS")
        return cls("sentinel", nodes=nodes, service=str(value["SERVICE"]), **common)


def _addresses(value: Any, name: str) -> tuple[tuple[str, int], ...]:
    """``["host:port", ("host", port), ...]`` as (host, port) pairs."""
    found = []
    for item in value:
        try:
            host, port = item.rsplit(":", 1) if isinstance(item, str) else item
            found.append((str(host), int(port)))
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                f"{SETTING}[{name!r}]: {item!r} is neither 'host:port' nor ('host', port)."
            ) from None
    if not found:
        raise ImproperlyConfigured(f"{SETTING}[{name!r}] names no server.")
    return tuple(found)


class Connections:
    """The clients of one configuration: one sync client per process, one async client per
    event loop (redis.asyncio's connections belong to the loop that opened them)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._sync: Any = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def sync(self) -> Any:
        if self._sync is None:
            with self._lock:
                if self._sync is None:
                    self._sync = self._build(
                        redis.Redis,
                        redis.cluster.RedisCluster,
                        redis.cluster.ClusterNode,
                        Sentinel,
                        Retry,
                    )
        return self._sync

    def for_loop(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = self._build(
                redis.asyncio.Redis,
                redis.asyncio.cluster.RedisCluster,
                redis.asyncio.cluster.ClusterNode,
                redis.asyncio.sentinel.Sentinel,
                redis.asyncio.retry.Retry,
            )
        return client

    def _build(self, single: Any, cluster: Any, node: Any, sentinel: Any, retry: Any) -> Any:
        config, options = self.config, dict(self.config.options)
        if config.kind == "url":
            return single.from_url(config.url, **options)
        if config.kind == "cluster":
            # Two quick retries (the client refreshes its slot map in between), not redis-py's
            # default of seconds: while a replica takes over, requests get the store-down path.
            options.setdefault("retry", retry(ExponentialBackoff(cap=0.2, base=0.02), 2))
            nodes = [node(host, port) for host, port in config.nodes]
            return cluster(startup_nodes=nodes, **options)
        # The Sentinels get the same timeouts (not the data node's password, say).
        shared = ("socket_connect_timeout", "socket_timeout", "lib_version", "driver_info")
        own = {name: options[name] for name in shared if name in options}
        watchers = sentinel(list(config.nodes), sentinel_kwargs=own, **options)
        return watchers.master_for(config.service, **options)


_connections: dict[Config, Connections] = {}
_current: tuple[Any, Connections] | None = None


def connections() -> Connections:
    """The clients for ``SESSIONKIT_REDIS`` as it is now (built on first use)."""
    global _current
    value = getattr(settings, SETTING, None)
    current = _current
    if current is not None and current[0] is value:
        return current[1]
    config = Config.parse(value)
    found = _connections.get(config)
    if found is None or found.config.options != config.options:
        found = _connections[config] = Connections(config)
    _current = (value, found)
    return found


# --- one round trip per operation ------------------------------------------------------------


def _run(client: Any, config: Config, name: str, command: Sequence[Any]) -> Any:
    """Run a write; with ``WAIT_REPLICAS``, its ``WAIT`` goes in the same pipeline (the same
    connection, as ``WAIT`` counts that connection's writes) and the same round trip."""
    if not config.wait_replicas:
        try:
            return client.execute_command(*command)
        except NoScriptError:  # a server that restarted, or a node new to the cluster
            client.script_load(redis_records.CAS)
            return client.execute_command(*command)
    pipe = _pipeline_with_wait(client, config, name, command)
    result, confirmed = pipe.execute(raise_on_error=False)
    if isinstance(result, NoScriptError):
        client.script_load(redis_records.CAS)
        return _run(client, config, name, command)
    return _confirmed(config, result, confirmed)


async def _arun(client: Any, config: Config, name: str, command: Sequence[Any]) -> Any:
    if not config.wait_replicas:
        try:
            return await client.execute_command(*command)
        except NoScriptError:
            await client.script_load(redis_records.CAS)
            return await client.execute_command(*command)
    pipe = _pipeline_with_wait(client, config, name, command)
    result, confirmed = await pipe.execute(raise_on_error=False)
    if isinstance(result, NoScriptError):
        await client.script_load(redis_records.CAS)
        return await _arun(client, config, name, command)
    return _confirmed(config, result, confirmed)


def _pipeline_with_wait(client: Any, config: Config, name: str, command: Sequence[Any]) -> Any:
    """``command``, then ``WAIT`` on the same connection (for a Cluster: the node that holds
    ``name``), sent together."""
    where: dict[str, Any] = {}
    if isinstance(client, redis.cluster.RedisCluster | redis.asyncio.cluster.RedisCluster):
        where["target_nodes"] = client.get_node_from_key(name)
    pipe = client.pipeline(transaction=False)
    pipe.execute_command(*command)
    pipe.execute_command("WAIT", config.wait_replicas, config.wait_timeout_ms, **where)
    return pipe


def _confirmed(config: Config, result: Any, confirmed: Any) -> Any:
    if isinstance(result, Exception):
        raise result
    if isinstance(confirmed, Exception):
        raise confirmed
    if _won(result) and int(confirmed) < config.wait_replicas:
        raise NotReplicated(
            f"The session write was confirmed by {confirmed} of the {config.wait_replicas} "
            f"replicas {SETTING}['WAIT_REPLICAS'] asks for within "
            f"{config.wait_timeout_ms} ms; it is not reported as saved."
        )
    return result


def _write_command(
    name: str, record: Record, create: bool, expected_version: int | None
) -> tuple[Any, ...]:
    value, ttl = redis_records.dumps(record), cache_timeout(record)
    if create:
        return ("SET", name, value, "EX", ttl, "NX")
    if expected_version is None:
        return ("SET", name, value, "EX", ttl, "XX")
    return ("EVALSHA", redis_records.CAS_SHA, 1, name, expected_version, value, ttl)


def _won(result: Any) -> bool:
    return result is True or result == 1 or result == b"OK"


class SessionStore(BaseStore):
    """Redis sessions (``SESSION_ENGINE = "sessionkit.backends.redis"``)."""

    def __init__(self, session_key: str | None = None) -> None:
        self._redis = connections()
        super().__init__(session_key)

    def django_sources(self) -> list[Source]:
        """Django's cache engine's entries in ``SESSION_CACHE_ALIAS`` (a site that kept its
        sessions in a Redis cache before)."""
        return [DjangoCache(settings.SESSION_CACHE_ALIAS)]

    def _name(self, key: StoredKey) -> str:
        return f"{self._redis.config.key_prefix}{{{key}}}"

    def _read(self, key: StoredKey) -> Record | None:
        return redis_records.loads(self._redis.sync().get(self._name(key)))

    async def _aread(self, key: StoredKey) -> Record | None:
        return redis_records.loads(await self._redis.for_loop().get(self._name(key)))

    async def _aread_current(self, key: StoredKey) -> Record | None:
        return await self._aread(key)

    def _write(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        name = self._name(key)
        command = _write_command(name, record, create, expected_version)
        return _won(_run(self._redis.sync(), self._redis.config, name, command))

    async def _awrite(
        self, key: StoredKey, record: Record, *, create: bool, expected_version: int | None = None
    ) -> bool:
        name = self._name(key)
        command = _write_command(name, record, create, expected_version)
        return _won(await _arun(self._redis.for_loop(), self._redis.config, name, command))

    def _delete(self, key: StoredKey) -> bool:
        name = self._name(key)
        return bool(_run(self._redis.sync(), self._redis.config, name, ("DEL", name)))

    async def _adelete(self, key: StoredKey) -> bool:
        name = self._name(key)
        return bool(await _arun(self._redis.for_loop(), self._redis.config, name, ("DEL", name)))

    def _exists(self, key: StoredKey) -> bool:
        return bool(self._redis.sync().exists(self._name(key)))

    async def _aexists(self, key: StoredKey) -> bool:
        return bool(await self._redis.for_loop().exists(self._name(key)))

    expires_itself = True

    @classmethod
    def _clear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        """Nothing to do: Redis drops each session when its TTL ends."""
        return 0

    @classmethod
    async def _aclear_expired(cls, batch_size: int, progress: Progress | None = None) -> int:
        return 0

    @classmethod
    def _count_expired(cls) -> int:
        return 0


class RedisAccess(CacheAccess):
    """cached_db's cache on this engine's client (``SESSIONKIT_CACHED_DB_CACHE = "redis"``),
    so that a Redis Cluster or Sentinel set can front the database."""

    def __init__(self) -> None:
        self._redis = connections()

    def __str__(self) -> str:
        return f"{SETTING} ({self._redis.config.kind})"

    @staticmethod
    def _name(key: str) -> str:
        return f"{{{key}}}"

    def entry(self, key: str) -> Record | Ended | None:
        value = self._redis.sync().get(self._name(key))
        return TOMBSTONE if value == redis_records.ENDED else redis_records.loads(value)

    def fill(self, key: str, record: Record, timeout: int) -> None:
        self._redis.sync().set(self._name(key), redis_records.dumps(record), ex=timeout, nx=True)

    def put(self, key: str, record: Record, timeout: int) -> None:
        client, name = self._redis.sync(), self._name(key)
        args = (record.version, redis_records.dumps(record), timeout, redis_records.ENDED)
        redis_records.run_script(client, redis_records.PUT, redis_records.PUT_SHA, name, *args)

    def end(self, key: str, timeout: int) -> None:
        self._redis.sync().set(self._name(key), redis_records.ENDED, ex=timeout)
