"""Real Redis topologies from the ``redis-server`` binary: a Cluster and a Sentinel set.

``.ci/run`` starts the shared ones (``python3 -m tests.redis_topologies up``; standard library
only, so any Python runs it) before the suite;
the suite uses them when they answer and otherwise starts them itself (tests/conftest.py).
Failover tests start topologies of their own on other ports and kill nodes by PID.

- Cluster: 3 primaries and 3 replicas (``--cluster-enabled yes``, then
  ``redis-cli --cluster create … --cluster-replicas 1 --cluster-yes``), node timeout 1 s so
  that a replica takes over about two seconds after its primary dies.
- Sentinel: one primary, one replica and three Sentinels (``redis-server sentinel.conf
  --sentinel``) watching the service ``sessionkit``, down after 1 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

HOST = "127.0.0.1"
SERVICE = "sessionkit"
SHARED_CLUSTER_PORTS = tuple(range(7000, 7006))
SHARED_SENTINEL_PORTS = (6390, 6391, 26390, 26391, 26392)


def answers(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _wait(condition: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def cli(port: int, *args: str) -> str:
    done = subprocess.run(
        ["redis-cli", "-h", HOST, "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout


class Topology:
    """Redis processes started together, stopped together, each known by PID."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.folder = Path(tempfile.mkdtemp(prefix=f"sessionkit-{name}-"))
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.arguments: dict[int, tuple[str, ...]] = {}

    def _spawn(self, port: int, *args: str) -> None:
        log = open(self.folder / f"{port}.log", "ab")  # noqa: SIM115 (lives with the process)
        self.processes[port] = subprocess.Popen(
            ["redis-server", *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.folder
        )
        self.arguments[port] = args
        _wait(lambda: answers(port), f"redis on port {port}")

    def restart(self, port: int, *extra: str) -> None:
        """Start the node on ``port`` again, as it was started (plus ``extra`` arguments): a
        killed Cluster primary rejoins as a replica of the one that took over."""
        self._spawn(port, *self.arguments[port], *extra)

    def kill(self, port: int) -> None:
        """SIGKILL the node on ``port``: no shutdown, no last save."""
        process = self.processes.pop(port)
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait(timeout=20)

    def pause(self, port: int) -> None:
        self.processes[port].send_signal(signal.SIGSTOP)

    def resume(self, port: int) -> None:
        self.processes[port].send_signal(signal.SIGCONT)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)
        shutil.rmtree(self.folder, ignore_errors=True)

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes.values()]


def _server_args(port: int, *extra: str) -> list[str]:
    return [
        "--port",
        str(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        ".",
        *extra,
    ]


class Cluster(Topology):
    def __init__(self, ports: Iterable[int]) -> None:
        super().__init__("cluster")
        self.ports = tuple(ports)

    @property
    def nodes(self) -> list[str]:
        return [f"{HOST}:{port}" for port in self.ports]

    def start(self) -> Cluster:
        for port in self.ports:
            self._spawn(
                port,
                *_server_args(
                    port,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    f"nodes-{port}.conf",
                    "--cluster-node-timeout",
                    "1000",
                ),
            )
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", *self.nodes, "--cluster-replicas", "1"]
            + ["--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}")
        self.wait_until_ok()
        self.wait_for_replicas()
        return self

    def wait_for_replicas(self, timeout: float = 30) -> None:
        """Until every replica is in sync with its primary (``WAIT`` can be satisfied)."""

        def synced() -> bool:
            states = [cli(port, "info", "replication") for port in self.processes]
            replicas = [state for state in states if "role:slave" in state]
            return len(replicas) == len(self.ports) // 2 and all(
                "master_link_status:up" in state for state in replicas
            )

        _wait(synced, "every replica to sync", timeout)

    def wait_until_ok(self, timeout: float = 30) -> None:
        def ok() -> bool:
            return all(
                "cluster_state:ok" in cli(port, "cluster", "info")
                for port in self.ports
                if port in self.processes
            )

        _wait(ok, "cluster_state:ok", timeout)

    def primaries(self) -> dict[int, str]:
        """{port: node id} of the nodes that are primaries now."""
        found = {}
        for line in cli(self.alive_port(), "cluster", "nodes").splitlines():
            node_id, address, flags = line.split()[:3]
            if "master" in flags and "fail" not in flags:
                found[int(address.split("@")[0].rsplit(":", 1)[1])] = node_id
        return found

    def alive_port(self) -> int:
        return next(port for port in self.ports if port in self.processes)

    def primary_for(self, key: str) -> int:
        slot = int(cli(self.alive_port(), "cluster", "keyslot", key).strip())
        for line in cli(self.alive_port(), "cluster", "nodes").splitlines():
            parts = line.split()
            if "master" not in parts[2] or "fail" in parts[2]:
                continue
            for span in parts[8:]:
                low, _, high = span.partition("-")
                if low.isdigit() and int(low) <= slot <= int(high or low):
                    return int(parts[1].split("@")[0].rsplit(":", 1)[1])
        raise LookupError(f"no primary serves slot {slot}")

    def reshard(self, source: str, target: str, slots: int) -> subprocess.Popen[str]:
        """Start moving ``slots`` slots from node ``source`` to node ``target`` (node ids)."""
        log = open(self.folder / "reshard.log", "w")  # noqa: SIM115 (lives with the process)
        return subprocess.Popen(
            ["redis-cli", "--cluster", "reshard", f"{HOST}:{self.alive_port()}"]
            + ["--cluster-from", source, "--cluster-to", target]
            + ["--cluster-slots", str(slots), "--cluster-yes", "--cluster-pipeline", "10"],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


class SentinelSet(Topology):
    def __init__(self, primary: int, replica: int, sentinels: Iterable[int]) -> None:
        super().__init__("sentinel")
        self.primary, self.replica = primary, replica
        self.sentinel_ports = tuple(sentinels)

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        return [(HOST, port) for port in self.sentinel_ports]

    def start(self) -> SentinelSet:
        self._spawn(self.primary, *_server_args(self.primary))
        self._spawn(
            self.replica, *_server_args(self.replica, "--replicaof", HOST, str(self.primary))
        )
        _wait(
            lambda: "master_link_status:up" in cli(self.replica, "info", "replication"),
            "the replica to sync",
        )
        for port in self.sentinel_ports:
            conf = self.folder / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind {HOST}\ndir {self.folder}\n"
                f"sentinel monitor {SERVICE} {HOST} {self.primary} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 3000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n"
            )
            self._spawn(port, str(conf), "--sentinel")
        _wait(self._watching, "the sentinels to see the primary, its replica and each other")
        return self

    def _watching(self) -> bool:
        for port in self.sentinel_ports:
            state = cli(port, "sentinel", "master", SERVICE).split()
            fields = dict(zip(state[::2], state[1::2], strict=False))
            if fields.get("num-slaves") != "1" or fields.get("num-other-sentinels") != "2":
                return False
        return True

    def current_primary(self) -> int:
        answer = cli(self.sentinel_ports[0], "sentinel", "get-master-addr-by-name", SERVICE)
        return int(answer.split()[1])


def shared_cluster() -> Cluster:
    return Cluster(SHARED_CLUSTER_PORTS)


def shared_sentinel() -> SentinelSet:
    primary, replica, *sentinels = SHARED_SENTINEL_PORTS
    return SentinelSet(primary, replica, sentinels)


def main(argv: list[str]) -> int:
    """``up``: start the shared topologies and leave them running (CI), printing their PIDs."""
    if argv[1:] != ["up"]:
        print("usage: python -m tests.redis_topologies up", file=sys.stderr)
        return 2
    for topology in (shared_cluster(), shared_sentinel()):
        ports = getattr(topology, "ports", None) or SHARED_SENTINEL_PORTS
        if all(answers(port) for port in ports):
            print(f"redis {topology.name}: already up on {ports}")
            continue
        topology.start()
        print(f"redis {topology.name}: up on {ports}, pids {topology.pids()}")
    os._exit(0)  # leave the servers running; skip the Popen finalizers


if __name__ == "__main__":
    sys.exit(main(sys.argv))
