"""How a session record is kept in Redis: plain bytes, and the Lua scripts that compare versions
on the server, so that a conditional save is one round trip.

A record is ``version|expires_at|data`` (not pickled): the scripts read the version with a
pattern match. Shared by the cache engine on Django's Redis caches and by the native Redis
engine (``sessionkit.backends.redis``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sessionkit.backends.base import Record

ENDED = b"sessionkit:ended"
"""What cached_db leaves where a session ended (a tombstone)."""

CAS = """
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if string.match(current, '^(%d+)|') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""
"""Replace the record only if its stored version is ARGV[1]: 1 written, 0 saved by someone
else since, -1 gone (ended, or expired)."""

PUT = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[4] then return 0 end
if current then
  local version = tonumber(string.match(current, '^(%d+)|'))
  if version and version >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
"""
"""cached_db's write-through: never over a tombstone (ARGV[4]), never over a newer version."""


def dumps(record: Record) -> bytes:
    return b"%d|%r|%s" % (record.version, record.expires_at, record.data.encode("ascii"))


def loads(value: Any) -> Record | None:
    """The record in ``value`` (bytes from Redis), or None for a miss or anything else."""
    if not isinstance(value, bytes):
        return None
    try:
        version, expires_at, data = value.split(b"|", 2)
        return Record(data.decode("ascii"), float(expires_at), int(version))
    except ValueError:
        return None


def sha1(script: str) -> str:
    """The SHA1 ``EVALSHA`` knows ``script`` by."""
    return hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 (Redis's choice, not ours)


CAS_SHA = sha1(CAS)
PUT_SHA = sha1(PUT)


def run_script(client: Any, script: str, sha: str, key: Any, *args: Any) -> Any:
    """``EVALSHA`` of ``script`` (known to Redis as ``sha``) on ``key``, loading the script
    first where the server does not know it (a restart, a new server or cluster node): one
    command, where redis-py's ``Script`` object wraps the same in more Python on every call."""
    try:
        return client.execute_command("EVALSHA", sha, 1, key, *args)
    except Exception as exc:
        from redis.exceptions import NoScriptError  # (redis is there: this is its client)

        if not isinstance(exc, NoScriptError):
            raise
        client.script_load(script)
        return client.execute_command("EVALSHA", sha, 1, key, *args)
