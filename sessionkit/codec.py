"""Signed values as one ASCII string: the stored session, and the pending marker cookie.

Django's ``signing.dumps`` derives its HMAC key from ``SECRET_KEY`` on every call, builds a
``TimestampSigner``, writes a timestamp the session never checks, and compresses at zlib's
default level whatever the size: 68 µs to encode a mature session (3 KB of JSON), paid on
every save, and 37 µs to decode it on every load. This codec does the same job — serialise,
compress when it pays, sign with HMAC-SHA256 under a key derived from the secret and a
purpose, honour ``SECRET_KEY_FALLBACKS`` — with the derived keys kept, zlib's fastest level
and one one-shot HMAC: 45 µs and 29 µs (what remains is mostly zlib and JSON). Its output
starts with ``~``, which Django's never does, so a value in Django's form (written before
this codec, or adopted from ``django.contrib.sessions``) is still read by the caller's
fallback.

    ~<form><base64url payload>:<base64url HMAC-SHA256 of everything before the colon>

``form`` is ``z`` (zlib) or ``j`` (as serialised). A timestamped value puts
``<seconds in base 36>.`` before the payload, under the signature. Base64 is written without
its ``=`` padding, as Django's signing writes it: a padded value is not a valid cookie value,
so ``http.cookies`` would quote it (slowly: 5 µs), and the pending marker is a cookie. Values
this codec wrote with padding before it dropped it (never released: 0.1.0 wrote Django's form)
are still read; so the signature is accepted with or without one trailing ``=``. That makes
two spellings of one signed value, never a changed payload: nothing compares signed strings.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import hmac
import math
import time
import zlib
from typing import NamedTuple, Protocol

from sessionkit.conf import django_setting

PREFIX = "~"
FUTURE_SKEW = 300
"""Seconds a timestamp may lie ahead of this server's clock (another server's may be ahead)."""
COMPRESS_FROM = 200
"""Payloads shorter than this are not worth compressing (zlib's header alone is 6 bytes)."""
WINDOW_BITS = 13
MEMORY_LEVEL = 6
"""zlib's window (8 KiB) and memory level for compressing. ``zlib.compress`` takes a 32 KiB
window and memory level 8: setting up its 256 KiB of state costs about 20 µs, more than
compressing a mature session (3 KB) takes, on every save, whatever the size. These settings
need a quarter of that memory and compress sessions as small (larger ones within 1%); the
output is an ordinary zlib stream, which ``zlib.decompress`` reads as before."""


class BadValue(ValueError):
    """A value this codec did not write, or that was changed since: never trusted."""


@functools.lru_cache(maxsize=64)
def _derived_key(purpose: str, secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(b"sessionkit.codec:" + purpose.encode() + b":" + raw).digest()


class Signer(Protocol):
    """An HMAC already keyed: :class:`hmac.HMAC`, or the OpenSSL object inside one."""

    def copy(self) -> Signer: ...
    def update(self, message: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class _Keys(NamedTuple):
    secret: str | bytes
    fallbacks: tuple[str | bytes, ...]
    signers: tuple[Signer, ...]
    verified: dict[bytes, bytes]
    """Values these keys verified (see ``unsign``): their payloads, by their exact bytes."""


_derived: dict[str, _Keys] = {}
"""purpose → SECRET_KEY and SECRET_KEY_FALLBACKS as last read, with their signers."""
REMEMBERED_LENGTH = 4096
REMEMBERED_PAYLOAD = 8192
REMEMBERED_VALUES = 256
"""The longest value ``unsign`` remembers, the longest payload (decompressed: a short value
may hold a long one), and how many it remembers at most (then it forgets them all and starts
again): 3 MB at most, per purpose."""


def _keyed(key: bytes) -> Signer:
    """An HMAC-SHA256 keyed with ``key``: the OpenSSL object :class:`hmac.HMAC` wraps where
    there is one (its ``copy``, ``update`` and ``digest`` are the same calls, made in C
    without the Python-level wrapper: 2.7 µs against 3.8 µs per MAC), else the wrapper."""
    signer = hmac.new(key, digestmod=hashlib.sha256)
    inner: Signer | None = getattr(signer, "_hmac", None)
    return signer if inner is None else inner


def _keys(purpose: str) -> _Keys:
    """An HMAC-SHA256 already keyed with the signing key, then one per fallback's (a value
    signed before a key rotation). :func:`_mac` signs with a copy: cheaper than
    ``hmac.digest``, which sets the key up on every call.

    The settings are read on every call and compared by value (they may be replaced or
    changed in place: a secret dropped from the fallbacks must stop verifying at once, as it
    does for Django's signing); the signers are made again, and what they verified
    forgotten, only when they changed."""
    secret = django_setting("SECRET_KEY")
    fallbacks = tuple(django_setting("SECRET_KEY_FALLBACKS"))
    known = _derived.get(purpose)
    if known is None or known.secret != secret or known.fallbacks != fallbacks:
        signers = tuple(_keyed(_derived_key(purpose, each)) for each in (secret, *fallbacks))
        known = _derived[purpose] = _Keys(secret, fallbacks, signers, {})
    return known


def _signers(purpose: str) -> tuple[Signer, ...]:
    return _keys(purpose).signers


_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64encode(data: bytes) -> bytes:
    """``base64.urlsafe_b64encode`` without its Python-level calls, and without padding."""
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_TO_URLSAFE)


def _b64decode(data: bytes) -> bytes:
    """``base64.urlsafe_b64decode`` (not strict either) of padded or unpadded ``data``."""
    return binascii.a2b_base64(data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4))


def _mac(signer: Signer, message: bytes) -> bytes:
    copy = signer.copy()
    copy.update(message)
    return _b64encode(copy.digest())


def _verifies(mac: bytes, signer: Signer, message: bytes) -> bool:
    """Whether ``mac`` is ``message``'s under ``signer``: unpadded, or with the one ``=`` of a
    value written before padding was dropped."""
    return hmac.compare_digest(mac.removesuffix(b"="), _mac(signer, message))


def is_ours(value: str) -> bool:
    return value.startswith(PREFIX)


def sign(payload: bytes, purpose: str, *, timestamped: bool = False) -> str:
    """``payload`` compressed (when that pays), encoded and signed for ``purpose``."""
    form = b"j"
    if len(payload) >= COMPRESS_FROM:
        compressor = zlib.compressobj(1, zlib.DEFLATED, WINDOW_BITS, MEMORY_LEVEL)
        compressed = compressor.compress(payload) + compressor.flush()
        if len(compressed) < len(payload):
            form, payload = b"z", compressed
    head = b"~" + form + (_stamp(int(time.time())) if timestamped else b"")
    message = head + _b64encode(payload)
    return (message + b":" + _mac(_signers(purpose)[0], message)).decode("ascii")


def unsign(value: str | bytes, purpose: str, *, max_age: float | None = None) -> bytes:
    """The payload ``sign`` was given; ``BadValue`` for anything else (tampered, signed under
    another purpose or secret, older than ``max_age`` seconds, or not this codec's at all).

    A value without ``max_age`` (what a store holds, never what a client sends: the marker
    cookie has an age) is remembered once verified, by its exact bytes, with the keys that
    verified it: a session read again unchanged — every request of a site whose pages only
    read their sessions — is not verified and decoded again (30k instructions of a small
    session's load). Nothing is remembered that did not verify, a changed byte is another
    value, and a change of ``SECRET_KEY`` or its fallbacks forgets them all."""
    try:
        raw = value.encode("ascii") if isinstance(value, str) else bytes(value)
        keys = _keys(purpose)
        remembers = max_age is None and len(raw) <= REMEMBERED_LENGTH
        if remembers:
            remembered = keys.verified.get(raw)
            if remembered is not None:
                return remembered
        message, _, mac = raw.rpartition(b":")
        if not message.startswith(b"~") or len(message) < 2:
            raise BadValue("not a signed value")
        signers = keys.signers
        if not _verifies(mac, signers[0], message) and not any(
            _verifies(mac, signer, message) for signer in signers[1:]
        ):
            raise BadValue("bad signature")
        form, body = message[1:2], message[2:]
        stamp, dot, rest = body.partition(b".")
        if dot:
            body = rest
        if max_age is not None:
            age = time.time() - int(stamp, 36) if dot else math.inf
            if not -FUTURE_SKEW <= age <= max_age:
                raise BadValue("expired")
        payload = _b64decode(body)
        if form == b"z":
            payload = zlib.decompress(payload)
        elif form != b"j":
            raise BadValue(f"unknown form {form!r}")
        if remembers and len(payload) <= REMEMBERED_PAYLOAD:
            if len(keys.verified) >= REMEMBERED_VALUES:
                keys.verified.clear()
            keys.verified[raw] = payload
        return payload
    except (UnicodeError, binascii.Error, zlib.error, ValueError) as exc:
        if isinstance(exc, BadValue):
            raise
        raise BadValue(str(exc)) from exc


@functools.lru_cache(maxsize=1)
def _stamp(second: int) -> bytes:
    """A timestamped value's stamp: worked out once per second, not once per value."""
    return _base36(second) + b"."


def _base36(number: int) -> bytes:
    if number < 0:  # (a clock before 1970: frozen in a test, say; int(x, 36) reads it back)
        return b"-" + _base36(-number)
    digits = b"0123456789abcdefghijklmnopqrstuvwxyz"
    out = b""
    while True:
        number, digit = divmod(number, 36)
        out = digits[digit : digit + 1] + out
        if not number:
            return out
