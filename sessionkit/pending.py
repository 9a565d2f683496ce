"""The signed marker that lets a new session's first request count without storing it.

A request without a stored session whose only change is tracking is not written: the client
gets this marker — the new key and the first request's figures, signed — and no session cookie
(no session cookie ever names a session that is not stored). When a request comes back with a
valid marker, the session is created then, under the marker's key, with the figures of both
requests. A client that never returns cookies never costs a write. Unsigned, tampered or stale
markers are ignored; the key in a marker was issued and signed by this site, so adopting it is
no session fixation.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponseBase

from sessionkit import codec, cookies
from sessionkit.conf import conf
from sessionkit.keys import CookieKey, cookie_key
from sessionkit.tracking import Figures

SALT = "sessionkit.pending"
_JSON = json.JSONEncoder(separators=(",", ":"))
_MAKE_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Any = _MAKE_C_ENCODER and _MAKE_C_ENCODER(
    None, _JSON.default, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True
)
"""A marker's JSON, written by the C encoder built once: ``json.dumps`` builds one per call
(1 µs of the marker's 2, on every new visitor's request). Built without the check for a value
that contains itself: a marker holds only what sessionkit made (a key, numbers, strings and
lists of them), never a site's values."""


class Pending(NamedTuple):
    key: CookieKey
    figures: Figures
    """The first request's figures."""


def dumps(key: CookieKey, figures: Figures) -> str:
    marker = [key, figures.dump()]
    text = _JSON.encode(marker) if _C_ENCODE is None else "".join(_C_ENCODE(marker, 0))
    payload = text.encode()
    return codec.sign(payload, SALT, timestamped=True)


def read(request: HttpRequest) -> Pending | None:
    """The session the request's valid marker holds, if it carries one."""
    value = request.COOKIES.get(conf.SESSIONKIT_PENDING_COOKIE_NAME)
    if not value:
        return None
    try:
        payload = codec.unsign(value, SALT, max_age=conf.SESSIONKIT_PENDING_AGE)
        marked, raw = json.loads(payload)
    except (codec.BadValue, ValueError, TypeError):  # also a marker in Django's signing form
        return None
    key = cookie_key(marked)
    return None if key is None else Pending(key, Figures.load(raw))


def set_marker(response: HttpResponseBase, key: CookieKey, figures: Figures) -> None:
    cookies.set_cookie(
        response,
        conf.SESSIONKIT_PENDING_COOKIE_NAME,
        dumps(key, figures),
        conf.SESSIONKIT_PENDING_AGE,
    )
