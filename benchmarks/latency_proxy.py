"""A TCP proxy that holds everything it forwards for a fixed time: a server one network hop
away, on a machine that has only loopback (this kernel has no ``tc netem``).

    .venv/bin/python -m benchmarks.latency_proxy --to 127.0.0.1:6379 --delay-us 100

It prints the port it listens on, then forwards until it is killed. Each direction of each
connection is a thread that reads, sleeps, then writes, so a protocol that waits for each
answer (Redis, one command at a time) sees every round trip grow by twice the delay and by
the proxy's own forwarding (about 50 µs on the project's machine, also with no delay).
Benchmarks start it with :func:`running`, which stops it by its PID.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    try:
        while data := source.recv(65536):
            if delay:
                time.sleep(delay)
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def serve(port: int, upstream: tuple[str, int], delay: float) -> None:
    server = socket.create_server(("127.0.0.1", port))
    print(server.getsockname()[1], flush=True)
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
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield int(child.stdout.readline())
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
