"""The cookies sessionkit sets, all with the session cookie's flags from Django's settings
(``SESSION_COOKIE_DOMAIN``, ``_PATH``, ``_SECURE``, ``_HTTPONLY``, ``_SAMESITE``)."""

from __future__ import annotations

import functools
import time
from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from sessionkit.conf import django_setting


def flags() -> dict[str, Any]:
    """The session cookie's flags, read for every cookie as Django's middleware reads them (not
    kept: a site may change them in place, without the ``setting_changed`` signal)."""
    return {
        "domain": django_setting("SESSION_COOKIE_DOMAIN"),
        "path": django_setting("SESSION_COOKIE_PATH"),
        "secure": django_setting("SESSION_COOKIE_SECURE") or None,
        "httponly": django_setting("SESSION_COOKIE_HTTPONLY") or None,
        "samesite": django_setting("SESSION_COOKIE_SAMESITE"),
    }


def set_cookie(
    response: HttpResponseBase, name: str, value: str, max_age: int | None, **override: Any
) -> None:
    """Set ``name`` with the session cookie's flags (``override`` changes some of them)."""
    expires = None if max_age is None else _http_date(int(time.time() + max_age))
    response.set_cookie(name, value, max_age=max_age, expires=expires, **{**flags(), **override})


@functools.lru_cache(maxsize=16)
def _http_date(second: int) -> str:
    """``http_date`` (3 µs) once per second and cookie age: most requests set cookies with
    the same expiry as the request before them."""
    return http_date(second)


def set_session_cookie(response: HttpResponseBase, session: Any) -> None:
    """The session cookie, with the session's own expiry (none: a browser-session cookie)."""
    max_age = None if session.get_expire_at_browser_close() else session.get_expiry_age()
    set_cookie(response, django_setting("SESSION_COOKIE_NAME"), str(session.session_key), max_age)


def delete_cookie(response: HttpResponseBase, name: str) -> None:
    response.delete_cookie(
        name,
        path=django_setting("SESSION_COOKIE_PATH"),
        domain=django_setting("SESSION_COOKIE_DOMAIN"),
        samesite=django_setting("SESSION_COOKIE_SAMESITE"),
    )


def vary_on_cookie(response: HttpResponseBase) -> None:
    """``patch_vary_headers(response, ("Cookie",))``; where the response has no Vary header
    yet (most), set it: a third of patch_vary_headers' cost, paid on every tracked response."""
    if response.has_header("Vary"):
        patch_vary_headers(response, ("Cookie",))
    else:
        response.headers["Vary"] = "Cookie"
