"""Session keys at rest: a keyed hash instead of the key itself (``SESSIONKIT_HASH_KEYS``).

Whoever reads the session table, folder, cache or a backup sees only
``HMAC-SHA256(secret, key)`` (cut to 40 hex characters, so it fits Django's key column and is a
valid file name), never a key that could be sent back as a cookie. The secret is
``SESSIONKIT_HASH_SECRET`` or, by default, ``SECRET_KEY``: changing it ends every session.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from django.conf import settings

from sessionkit.conf import conf

HASH_LENGTH = 40


@functools.lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return hashlib.sha256(b"sessionkit.keys" + secret.encode()).digest()


def key_hash(key: str) -> str:
    """The keyed hash of a session key: 40 lowercase hex characters."""
    secret = conf.SESSIONKIT_HASH_SECRET or str(settings.SECRET_KEY)
    digest = hmac.new(_derived(secret), key.encode(), hashlib.sha256).hexdigest()
    return digest[:HASH_LENGTH]


def stored_key(key: str) -> str:
    """The key a store keeps a session under: the hash when hashing is on, else the key."""
    return key_hash(key) if conf.SESSIONKIT_HASH_KEYS else key


def session_id(key: str) -> str:
    """A session's public id (for lists, URLs, the inventory): never the key itself."""
    return key_hash(key)
