"""Failover on real processes, while 20 sessions are in use: a Cluster primary killed, the
Sentinel primary killed, a slot range resharded.

Each test starts a topology of its own (tests/redis_topologies.py) on ports of its own, sends
requests round after round from 20 browsers — each request sets the session's ``counter``
to the round's number, and its path names that number — and kills or reshards in between.
Requests keep being answered (a node that is gone is the store-down path: the page is served
without the session, the failure logged); a save is acknowledged when nothing was logged for
its request. With ``WAIT_REPLICAS = 1`` an acknowledged save is on a replica too, so after the
promotion every session still holds at least its last acknowledged counter.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from sessionkit.backends.redis import SessionStore
from tests.redis_topologies import SERVICE, Cluster, SentinelSet
from tests.servers import need_binary

VISITORS = 20
pytestmark = pytest.mark.django_db
OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 0.5}


class Failures(logging.Handler):
    """The paths of requests whose session could not be loaded or saved (logged by the
    middleware)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.paths: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.paths.update(word for word in message.split() if word.startswith("/put/"))


class Traffic:
    def __init__(self) -> None:
        self.browsers = [Client(raise_request_exception=False) for _ in range(VISITORS)]
        self.acknowledged = [-1] * VISITORS
        self.failures = Failures()
        self.requests = self.failed = 0
        self.round = 0
        logging.getLogger("sessionkit.middleware").addHandler(self.failures)

    def close(self) -> None:
        logging.getLogger("sessionkit.middleware").removeHandler(self.failures)

    def start(self) -> None:
        for browser in self.browsers:
            assert browser.get("/page/").status_code == 200
        self.run_round()

    def run_round(self) -> int:
        """One request per visitor; how many of them could not save."""
        self.round += 1
        failed = 0
        for n, browser in enumerate(self.browsers):
            path = f"/put/counter/{self.round}-{n}/"
            status = browser.get(path).status_code
            assert status < 500, f"{path} answered {status}"
            self.requests += 1
            if path.rstrip("/") + "/" in self.failures.paths or path in self.failures.paths:
                failed += 1
            else:
                self.acknowledged[n] = self.round
        self.failed += failed
        return failed

    def until(self, done: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the topology did not recover in time"
            self.run_round()

    def cookies(self) -> list[str]:
        return [browser.cookies["sessionid"].value for browser in self.browsers]

    def assert_nothing_acknowledged_was_lost(self) -> None:
        for n, key in enumerate(self.cookies()):
            stored = SessionStore(key).load()
            assert stored, f"visitor {n}'s session was lost"
            kept = int(stored["counter"].split("-")[0])
            assert kept >= self.acknowledged[n], (n, kept, self.acknowledged[n])


@pytest.fixture
def traffic() -> Iterator[Traffic]:
    need_binary("redis-server")
    need_binary("redis-cli")
    running = Traffic()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    need_binary("redis-server")
    topology = Cluster(range(7100, 7106)).start()
    try:
        yield topology
    finally:
        topology.stop()


@pytest.fixture
def sentinels() -> Iterator[SentinelSet]:
    need_binary("redis-server")
    topology = SentinelSet(6392, 6393, (26393, 26394, 26395)).start()
    try:
        yield topology
    finally:
        topology.stop()


def two_clean_rounds(traffic: Traffic) -> Callable[[], bool]:
    clean = [0]

    def done() -> bool:
        clean[0] = clean[0] + 1 if traffic.run_round() == 0 else 0
        return clean[0] >= 2

    return done


def report(capsys: Any, what: str, traffic: Traffic, seconds: float) -> None:
    with capsys.disabled():
        print(
            f"\n  {what}: {traffic.requests} requests from {VISITORS} visitors, none answered "
            f"5xx; {traffic.failed} served without their session while the store recovered "
            f"({seconds:.1f} s); every acknowledged save kept"
        )


def test_killing_a_cluster_primary(
    cluster: Cluster, traffic: Traffic, settings: Any, capsys: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {
        "CLUSTER": cluster.nodes,
        "WAIT_REPLICAS": 1,
        "WAIT_TIMEOUT_MS": 500,
        "OPTIONS": OPTIONS,
    }
    traffic.start()
    traffic.run_round()
    names = [f"sessionkit:{{{SessionStore(key).stored_key}}}" for key in traffic.cookies()]
    homes = [cluster.primary_for(name) for name in names]
    victim = max(set(homes), key=homes.count)
    started = time.monotonic()
    cluster.kill(victim)
    traffic.until(lambda: victim not in cluster.primaries() and len(cluster.primaries()) == 3)
    cluster.restart(victim)  # it rejoins as a replica: WAIT can be satisfied again
    traffic.until(two_clean_rounds(traffic))
    traffic.assert_nothing_acknowledged_was_lost()
    assert traffic.failed > 0, "the dead primary's sessions took the store-down path"
    report(capsys, f"Cluster primary {victim} killed", traffic, time.monotonic() - started)


def test_killing_the_sentinel_primary(
    sentinels: SentinelSet, traffic: Traffic, settings: Any, capsys: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {
        "SENTINELS": sentinels.sentinels,
        "SERVICE": SERVICE,
        "WAIT_REPLICAS": 1,
        "WAIT_TIMEOUT_MS": 500,
        "OPTIONS": OPTIONS,
    }
    traffic.start()
    traffic.run_round()
    victim = sentinels.current_primary()
    started = time.monotonic()
    sentinels.kill(victim)
    traffic.until(lambda: sentinels.current_primary() != victim)
    # Back as a replica of the new primary, as the Sentinels would make it (sooner).
    sentinels.restart(victim, "--replicaof", "127.0.0.1", str(sentinels.current_primary()))
    traffic.until(two_clean_rounds(traffic))
    traffic.assert_nothing_acknowledged_was_lost()
    assert traffic.failed > 0, "requests went on while the primary was gone"
    report(capsys, f"Sentinel primary {victim} killed", traffic, time.monotonic() - started)


def test_resharding_during_traffic_loses_nothing(
    cluster: Cluster, traffic: Traffic, settings: Any, capsys: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    settings.SESSIONKIT_REDIS = {"CLUSTER": cluster.nodes, "OPTIONS": OPTIONS}
    traffic.start()
    source, target = list(cluster.primaries().values())[:2]
    started = time.monotonic()
    moving = cluster.reshard(source, target, 3000)
    traffic.until(lambda: moving.poll() is not None)
    assert moving.returncode == 0, (cluster.folder / "reshard.log").read_text()
    traffic.run_round()
    traffic.assert_nothing_acknowledged_was_lost()
    assert traffic.failed == 0, "a moved slot is followed (MOVED, ASK), never a failed save"
    report(capsys, "3,000 slots resharded", traffic, time.monotonic() - started)
