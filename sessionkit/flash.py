"""Flash data: a value set on one request, readable on the next request only, then gone."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sessionkit.visit import FLASH_KEY, visit_of


def set(request: HttpRequest, key: str, value: Any) -> None:  # noqa: A001
    """Make ``value`` readable under ``key`` on the visitor's next request."""
    pending: dict[str, Any] = dict(request.session.get(FLASH_KEY) or {})
    pending[key] = value
    request.session[FLASH_KEY] = pending


def get(request: HttpRequest, key: str, default: Any = None) -> Any:
    """A value set with :func:`set` on the previous request, or ``default``."""
    visit = visit_of(request)
    return visit.flash.get(key, default) if visit is not None else default


def values(request: HttpRequest) -> dict[str, Any]:
    """All flash values set on the previous request."""
    visit = visit_of(request)
    return dict(visit.flash) if visit is not None else {}
