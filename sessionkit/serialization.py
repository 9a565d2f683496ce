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
_MAKE_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Callable[[Any, int], list[str]] | None = (
    None
    if _MAKE_C_ENCODER is None
    else _MAKE_C_ENCODER(
        None,
        _ENCODER.default,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )  # fmt: skip
)
"""What ``_ENCODER.encode`` builds on every call, built once: the C encoder with ``_ENCODER``'s
options, but without its record of the lists and dicts being encoded (``markers``), which
must start empty for each value. Without it a value that contains itself is found by
running out of recursion instead; ``compact_json`` then encodes it again with the check."""
_SCAN: Callable[[str, int], tuple[Any, int]]
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""What ``json.loads`` calls between its two whitespace matches (its decoder's ``scan_once``)."""


def compact_json(value: Any) -> str:
    """``json.dumps(value, separators=(",", ":"))``, the same text and the same errors, without
    building an encoder for every value (1 µs of a pending marker's 2 µs)."""
    if _C_ENCODE is None:  # (a Python without the json module's C part)
        return _ENCODER.encode(value)
    try:
        return "".join(_C_ENCODE(value, 0))
    except RecursionError:  # a value that contains itself, or one too deep: json's own error
        return _ENCODER.encode(value)


def dumps(serializer: type[Any], value: Any) -> bytes:
    """``serializer().dumps(value)``."""
    if serializer is JSONSerializer and json.dumps is _STDLIB_DUMPS:
        return compact_json(value).encode("latin-1")
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
