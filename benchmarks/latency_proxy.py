"""A TCP proxy that holds everything it forwards for a fixed time: longer round trips to a
server, on a machine that has only loopback (this kernel has no ``tc netem``).

    .venv/bin/python -m benchmarks.latency_proxy --to 127.0.0.1:6379 --delay-us 100

It prints the port it listens on, then forwards until it is killed. Each direction of each
connection is a thread that reads a chunk, sleeps, then writes it, so a protocol that waits
for each answer (Redis, one command of a few KB at a time) sees every round trip grow by
twice the delay and by the proxy's own forwarding (about 50 µs on the project's machine, also
with no delay); ``time.sleep`` oversleeps short delays on a busy VM, so measure the round trip
it makes (``benchmarks.engines --redis-delay-us`` prints it). Benchmarks start it with
:func:`running`, which stops it by its PID; it also ends when its parent does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Forward ``source`` to ``target`` until ``source`` ends its side (then end the same side
    of ``target``: the other direction goes on) or either fails (then end both)."""
    try:
        while data := source.recv(65536):
            if delay:
                time.sleep(delay)
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def _exit_with_parent() -> None:
    """End this process when the benchmark that started it ends, however it ends: its end of
    our stdin closes."""
    sys.stdin.read()
    os._exit(0)


def serve(port: int, upstream: tuple[str, int], delay: float) -> None:
    server = socket.create_server(("127.0.0.1", port))
    print(server.getsockname()[1], flush=True)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    while True:
        client, _ = server.accept()
        try:
            far = socket.create_connection(upstream)
        except OSError:
            client.close()
            continue
        for end in (client, far):
            end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for source, target in ((client, far), (far, client)):
            threading.Thread(target=_pump, args=(source, target, delay), daemon=True).start()


@contextlib.contextmanager
def running(upstream: str, delay_us: float) -> Iterator[int]:
    """A proxy to ``upstream`` (``host:port``) in a child process; yields its port."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.latency_proxy", "--to", upstream]
        + ["--delay-us", str(delay_us)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert child.stdout is not None
        port = child.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"benchmarks.latency_proxy did not start (exit {child.poll()})")
        yield int(port)
    finally:
        child.kill()
        child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency_proxy")
    parser.add_argument("--to", required=True, help="host:port to forward to")
    parser.add_argument("--delay-us", type=float, default=100.0, help="each way, per chunk")
    parser.add_argument("--port", type=int, default=0, help="to listen on (0: any free one)")
    args = parser.parse_args()
    host, _, port = args.to.rpartition(":")
    serve(args.port, (host, int(port)), args.delay_us / 1e6)


if __name__ == "__main__":
    main()
