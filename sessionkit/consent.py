"""Consent: with ``SESSIONKIT_REQUIRE_CONSENT``, no session is stored until permitted.

Until the visitor grants permission, each request gets a :class:`TransientSession`: usable by
the view for that request, never stored, no cookie sent, and ``session.is_valid`` false.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponseBase

from sessionkit import cookies
from sessionkit.conf import conf


def required() -> bool:
    return conf.SESSIONKIT_REQUIRE_CONSENT


def given(request: HttpRequest) -> bool:
    """Whether sessions are permitted for this request's visitor."""
    return (
        not conf.SESSIONKIT_REQUIRE_CONSENT  # (not required(): read on every request)
        or request.COOKIES.get(conf.SESSIONKIT_CONSENT_COOKIE_NAME) == "1"
    )


def grant(request: HttpRequest, response: HttpResponseBase) -> None:
    """Permit sessions for this visitor from their next request on."""
    cookies.set_cookie(
        response,
        conf.SESSIONKIT_CONSENT_COOKIE_NAME,
        "1",
        conf.SESSIONKIT_CONSENT_COOKIE_AGE,
        httponly=True,
    )


def revoke(request: HttpRequest, response: HttpResponseBase) -> None:
    """Withdraw permission: end the stored session and delete the visitor's cookies (the
    middleware sees the consent cookie go, and deletes the session's)."""
    request.session.flush()
    sent = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if isinstance(request.session, TransientSession) and sent:
        # No consent cookie came, yet a session cookie did (the consent cookie expired or was
        # cleared first): the session stored under it ends too, not only its cookie.
        import_module(settings.SESSION_ENGINE).SessionStore(sent).delete()
    cookies.delete_cookie(response, conf.SESSIONKIT_CONSENT_COOKIE_NAME)


def revoked(response: HttpResponseBase) -> bool:
    """Whether ``response`` withdraws the permission (it deletes the consent cookie)."""
    morsel = response.cookies.get(conf.SESSIONKIT_CONSENT_COOKIE_NAME)
    return morsel is not None and morsel["max-age"] == 0


class TransientSession(SessionBase):
    """A session that lives for one request and is never stored."""

    def load(self) -> dict[str, Any]:
        return {}

    async def aload(self) -> dict[str, Any]:
        return {}

    def exists(self, session_key: str | None) -> bool:
        return False

    async def aexists(self, session_key: str | None) -> bool:
        return False

    def create(self) -> None:
        self.modified = True

    async def acreate(self) -> None:
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        """Nothing is stored without consent."""

    async def asave(self, must_create: bool = False) -> None:
        """Nothing is stored without consent."""

    def delete(self, session_key: str | None = None) -> None:
        """Nothing was stored."""

    async def adelete(self, session_key: str | None = None) -> None:
        """Nothing was stored."""

    @classmethod
    def clear_expired(cls) -> None:
        """Nothing is stored."""

    @classmethod
    async def aclear_expired(cls) -> None:
        """Nothing is stored."""
