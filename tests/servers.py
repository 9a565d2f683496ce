"""Server processes of a test's own: started on spare ports, stopped, paused and resumed by PID.

The shared services (PostgreSQL, Redis, Memcached on their usual ports) stay up for every other
test; a test that needs to kill, pause or restart a server starts its own with these helpers.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.services import OWN_MEMCACHED_PORT, OWN_REDIS_PORT, required

__all__ = ["OWN_MEMCACHED_PORT", "OWN_REDIS_PORT", "Server", "own_server", "redis_command"]


def answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Server:
    """A server process of the test's own, that can be stopped, paused and started again."""

    def __init__(self, command: list[str], port: int) -> None:
        self.command, self.port = command, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if answers(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.command[0]} did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()  # a stopped process does not act on SIGKILL until it runs again
            self.process.kill()
            self.process.wait(timeout=20)
            self.process = None

    def pause(self) -> None:
        """SIGSTOP: the port still accepts connections, but nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)


def need_binary(binary: str) -> None:
    if shutil.which(binary) is None:
        message = f"{binary} is not installed"
        if required():
            pytest.fail(f"{message} (SESSIONKIT_REQUIRE_SERVICES is set)", pytrace=False)
        pytest.skip(message)


def own_server(binary: str, command: list[str], port: int) -> Iterator[Server]:
    need_binary(binary)
    server = Server(command, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def redis_command(port: int, *extra: str) -> list[str]:
    return [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        *extra,
    ]
