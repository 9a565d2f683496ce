"""The signed marker that lets a new session's first request count without storing it.

A request without a session cookie whose only change is tracking is not written: the client
gets the new key and, beside it, this marker (the key and the first request's figures, signed).
When a request comes back with that key and a valid marker, the session is created then,
with the figures of both requests. A client that never returns cookies never costs a write.
Unsigned, tampered, stale or mismatched markers are ignored.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponseBase

from sessionkit.conf import conf
from sessionkit.tracking import Figures

SALT = "sessionkit.pending"


def dumps(key: str, figures: Figures) -> str:
    return signing.dumps([key, figures.dump()], salt=SALT, compress=True)


def figures_for(request: HttpRequest, key: str | None) -> Figures | None:
    """The first request's figures, if the request carries a valid marker for ``key``."""
    value = request.COOKIES.get(conf.SESSIONKIT_PENDING_COOKIE_NAME)
    if not value or not key:
        return None
    try:
        marked_key, raw = signing.loads(value, salt=SALT, max_age=conf.SESSIONKIT_PENDING_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Figures.load(raw) if marked_key == key else None


def set_marker(response: HttpResponseBase, key: str, figures: Figures, **cookie: object) -> None:
    response.set_cookie(
        conf.SESSIONKIT_PENDING_COOKIE_NAME,
        dumps(key, figures),
        max_age=conf.SESSIONKIT_PENDING_AGE,
        **cookie,  # type: ignore[arg-type]
    )
