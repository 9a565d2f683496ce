"""No engine does blocking file or socket I/O inside the event loop.

An audit hook records file and socket events raised on a thread that is running an event loop
while the async API is exercised. The sync_to_async worker threads run no loop, so I/O there is
fine; I/O that shows up here would stall every other request of an ASGI server.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any

import pytest
from asgiref.sync import async_to_sync

BLOCKING_EVENTS = frozenset(
    {
        "open",
        "os.link",
        "os.remove",
        "os.rename",
        "os.scandir",
        "os.listdir",
        "os.utime",
        "socket.connect",
        "socket.getaddrinfo",
        "socket.sendto",
        "socket.sendmsg",
    }
)

_seen: list[tuple[str, Any]] | None = None


def _is_import(event: str, args: Any) -> bool:
    """A module import reading its source or bytecode once; not request-time I/O."""
    return event == "open" and str(args[0]).endswith((".py", ".pyc"))


def _is_non_blocking(event: str, args: Any) -> bool:
    """A socket call on a non-blocking socket: how an async client (redis.asyncio) does I/O
    in the event loop without stalling it."""
    sock = args[0] if event.startswith("socket.") and args else None
    return isinstance(sock, socket.socket) and not sock.getblocking()


def _audit(event: str, args: Any) -> None:
    if (
        _seen is not None
        and event in BLOCKING_EVENTS
        and asyncio._get_running_loop()
        and not _is_import(event, args)
        and not _is_non_blocking(event, args)
    ):
        _seen.append((event, args))


sys.addaudithook(_audit)


def blocking_io_in_event_loop(store_class: Any) -> list[tuple[str, Any]]:
    global _seen

    async def exercise() -> None:
        store = store_class()
        await store.aset("a", 1)
        await store.asave()
        key = store.session_key
        loaded = store_class(key)
        await loaded.aload()
        await loaded.aexists(key)
        await loaded.acycle_key()
        await loaded.asave()
        await loaded.aflush()
        await store_class().acreate()
        await store_class().adelete(key)
        await store_class.aclear_expired()

    _seen = []
    try:
        async_to_sync(exercise)()
        return _seen
    finally:
        _seen = None


def test_async_api_does_no_blocking_io_in_the_loop(store_class: Any) -> None:
    assert blocking_io_in_event_loop(store_class) == []


def test_the_audit_sees_blocking_io(settings: Any, tmp_path: Any) -> None:
    """Django's own file engine opens files inside ``async def``: the audit must notice."""
    from django.contrib.sessions.backends.file import SessionStore

    settings.SESSION_FILE_PATH = str(tmp_path)
    SessionStore._storage_path = str(tmp_path)  # Django caches the folder on the class
    try:
        events = {event for event, _ in blocking_io_in_event_loop(SessionStore)}
    finally:
        del SessionStore._storage_path
    assert "open" in events


@pytest.fixture(autouse=True)
def _fresh_connections() -> None:
    """Drop pooled cache connections so socket connects happen inside the test."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.close()
