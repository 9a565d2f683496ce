"""A session's three identities, as three types that the type checker keeps apart.

================  =============================================  ===========================
identity          what it is                                     who may see it
================  =============================================  ===========================
``CookieKey``     the credential: 8–39 characters of ``a-z0-9``  the visitor's browser only
                  (sessionkit and Django issue 32)
``StoredKey``     what the store files the session under: the    the store; accepted from
                  cookie key, or with ``SESSIONKIT_HASH_KEYS``    nobody
                  its keyed hash (40 hex characters)
``PublicId``      ``session.id``, the inventory, the admin,      anyone
                  URLs: a keyed hash of the stored key with a
                  purpose of its own (40 hex characters)
================  =============================================  ===========================

Only :func:`cookie_key` turns a client's value into a ``CookieKey``, and it refuses anything
of 40 characters: a hashed stored key and a public id can therefore never be read as a cookie,
whatever the settings, and a lookup by cookie key can only ever find a record stored under a
plain key (that is how the hashing fallback knows a record was written before hashing).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
from typing import NewType, TypeGuard

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS

from sessionkit.conf import conf

CookieKey = NewType("CookieKey", str)
"""The session cookie's value: the credential. Never shown on a page, in a log or a URL."""
StoredKey = NewType("StoredKey", str)
"""What a store keeps a session under: a row's primary key, a file name, a cache key."""
PublicId = NewType("PublicId", str)
"""A session's public identifier: ``session.id``, the inventory, the admin, URLs."""

KEY_LENGTH = 32
"""Length of the keys sessionkit issues (as Django's)."""
MIN_KEY_LENGTH = 8
"""Django's lower bound for a session key."""
MAX_COOKIE_KEY_LENGTH = 39
"""Longest cookie key accepted: one less than a hash, so that no hash is ever a cookie key."""
HASH_LENGTH = 40
"""Length of a hashed stored key and of a public id (they fit Django's key column)."""

_COOKIE_KEY = re.compile(
    f"[{re.escape(VALID_KEY_CHARS)}]{{{MIN_KEY_LENGTH},{MAX_COOKIE_KEY_LENGTH}}}"
).fullmatch
_HASH = re.compile(f"[0-9a-f]{{{HASH_LENGTH}}}").fullmatch


def _is_hash(value: object) -> TypeGuard[str]:
    """Whether ``value`` has the form of a hashed stored key or a public id."""
    return isinstance(value, str) and _HASH(value) is not None


def cookie_key(value: object) -> CookieKey | None:
    """The cookie key ``value`` is, or None when it cannot be one.

    Checked before any store sees a client's value: ``../../etc/passwd``, an overlong or
    non-ASCII value, a stored key or a public id are all no session at all.
    """
    if isinstance(value, str) and _COOKIE_KEY(value) is not None:
        # (Every request's cookie passes here: one regular expression, no call to CookieKey.)
        return value  # type: ignore[return-value]
    return None


_ALPHABET_BYTES = VALID_KEY_CHARS.encode("ascii")
_UNBIASED = 256 - 256 % len(_ALPHABET_BYTES)
"""Random bytes below this (252) map evenly onto the 36 characters; the others are dropped."""
_TO_KEY_CHARS = bytes(_ALPHABET_BYTES[byte % len(_ALPHABET_BYTES)] for byte in range(256))
_BIASED_BYTES = bytes(range(_UNBIASED, 256))


def new_cookie_key() -> CookieKey:
    """A fresh random key, as Django makes them (32 characters of ``a-z0-9``, uniform).

    Random bytes from the OS, each below 252 mapped to a character (252 = 7 × 36, so each
    character is equally likely; the bytes 252–255 are dropped, not folded), in two C calls —
    rather than Django's ``get_random_string`` (a ``secrets.choice`` per character, 60 µs):
    1 µs, on the path of every new visitor. 40 bytes leave fewer than 32 about once in 10⁸
    draws; then it draws again.
    """
    while True:
        chars = os.urandom(KEY_LENGTH + 8).translate(_TO_KEY_CHARS, _BIASED_BYTES)
        if len(chars) >= KEY_LENGTH:
            return CookieKey(chars[:KEY_LENGTH].decode("ascii"))


@functools.lru_cache(maxsize=8)
def _derived(secret: str, purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + secret.encode()).digest()


def _keyed_hash(value: str, purpose: bytes) -> str:
    secret = conf.SESSIONKIT_HASH_SECRET or str(settings.SECRET_KEY)
    digest = hmac.new(_derived(secret, purpose), value.encode(), hashlib.sha256).hexdigest()
    return digest[:HASH_LENGTH]


def key_hash(key: CookieKey) -> StoredKey:
    """The keyed hash a store keeps ``key`` under with ``SESSIONKIT_HASH_KEYS``."""
    return StoredKey(_keyed_hash(key, b"sessionkit.keys"))


def stored_key(key: CookieKey) -> StoredKey:
    """The key a store keeps a session under: the hash when hashing is on, else the key."""
    return key_hash(key) if conf.SESSIONKIT_HASH_KEYS else plain_stored_key(key)


def plain_stored_key(key: CookieKey) -> StoredKey:
    """The key a store kept a session under before hashing was switched on: the key itself."""
    return StoredKey(key)


def is_hashed(stored: StoredKey) -> bool:
    """Whether ``stored`` is a keyed hash (else it is a cookie key, stored plain)."""
    return len(stored) == HASH_LENGTH


def as_stored_key(value: object) -> StoredKey | None:
    """``value`` as a stored key (a plain cookie key or a hash), or None if it cannot be one.

    For values that come from a store itself (a row, an inventory entry), never from a client.
    """
    if (key := cookie_key(value)) is not None:
        return StoredKey(key)
    if _is_hash(value):
        return StoredKey(value)
    return None


def public_id(stored: StoredKey) -> PublicId:
    """A session's public id: a keyed hash of its stored key, with a purpose of its own.

    Derived from the stored key so that whoever knows only the store (the admin, the
    inventory) can name a session without holding anything that works as a cookie.
    """
    return PublicId(_keyed_hash(stored, b"sessionkit.public-id"))


def as_public_id(value: object) -> PublicId | None:
    """``value`` (from a form or a URL) as a public id, or None if it cannot be one."""
    if _is_hash(value):
        return PublicId(value)
    return None


def transient_public_id() -> PublicId:
    """A public id for a request without a stored session (new on every request)."""
    return public_id(StoredKey(new_cookie_key()))
