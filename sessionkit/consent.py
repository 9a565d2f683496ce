"""Consent: with ``SESSIONKIT_REQUIRE_CONSENT``, no session is stored until permitted.

Until the visitor grants permission, each request gets a :class:`TransientSession`: usable by
the view for that request, never stored, no cookie sent, and ``session.is_valid`` false.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponseBase

from sessionkit.conf import conf
from sessionkit.visit import visit_of


def required() -> bool:
    return conf.SESSIONKIT_REQUIRE_CONSENT


def given(request: HttpRequest) -> bool:
    """Whether sessions are permitted for this request's visitor."""
    return not required() or request.COOKIES.get(conf.SESSIONKIT_CONSENT_COOKIE_NAME) == "1"


def grant(request: HttpRequest, response: HttpResponseBase) -> None:
    """Permit sessions for this visitor from their next request on."""
    response.set_cookie(
        conf.SESSIONKIT_CONSENT_COOKIE_NAME,
        "1",
        max_age=conf.SESSIONKIT_CONSENT_COOKIE_AGE,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def revoke(request: HttpRequest, response: HttpResponseBase) -> None:
    """Withdraw permission: delete the stored session and the visitor's cookies."""
    request.session.flush()
    visit = visit_of(request)
    if visit is not None:
        visit.revoked = True
    response.delete_cookie(
        conf.SESSIONKIT_CONSENT_COOKIE_NAME,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


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
