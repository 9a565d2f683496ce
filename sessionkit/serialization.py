"""The session dictionary to ``SESSION_SERIALIZER``'s bytes and back.

Any serializer class Django accepts is called as Django calls it (a new instance, then
``dumps`` or ``loads``). Django's own ``JSONSerializer``, the default, is done here without
what it pays on every call and which changes nothing in its result: ``json.dumps(...,
separators=...)`` builds a new ``JSONEncoder`` each time, and ``json.loads`` matches
whitespace around a value this site wrote without any (3 µs of a small session's 4 µs
load, 3 µs of every save). The bytes written are the same as Django's; anything the quick
reading does not take whole — surrounding whitespace, an error — is read again by Django's
serializer, so errors are its own. A site that replaced ``json.dumps`` or ``json.loads``
(an orjson-style drop-in, a default encoder for dates), which Django's serializer looks up
on every call, keeps what it chose: the quick way is taken only while they are the standard
library's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.signing import JSONSerializer

_STDLIB_DUMPS = json.dumps
_STDLIB_LOADS = json.loads
_ENCODER = json.JSONEncoder(separators=(",", ":"))
"""What ``JSONSerializer.dumps`` builds on every call (``json.dumps`` with its separators)."""
_SCAN: Callable[[str, int], tuple[Any, int]]
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""What ``json.loads`` calls between its two whitespace matches (its decoder's ``scan_once``)."""


def dumps(serializer: type[Any], value: Any) -> bytes:
    """``serializer().dumps(value)``."""
    if serializer is JSONSerializer and json.dumps is _STDLIB_DUMPS:
        return _ENCODER.encode(value).encode("latin-1")
    return serializer().dumps(value)  # type: ignore[no-any-return]


def loads(serializer: type[Any], payload: bytes) -> Any:
    """``serializer().loads(payload)``."""
    if serializer is JSONSerializer and json.loads is _STDLIB_LOADS:
        text = payload.decode("latin-1")
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError):  # not JSON where it starts: Django's reading says why
            end = -1
        if end == len(text):
            return value
    return serializer().loads(payload)
