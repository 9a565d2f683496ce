"""What the middleware decided about the current request, shared with flash and the template
object. Lives on the request for one request only; never stored; never changed in place (the
middleware attaches a new one as the request goes on)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from django.http import HttpRequest

from sessionkit.keys import CookieKey, PublicId
from sessionkit.tracking import NO_FIGURES, Figures, PageView

FIGURES_KEY = "_sessionkit"
"""The reserved session key the tracking figures are stored under."""
FLASH_KEY = "_sessionkit_flash"
"""The reserved session key of flash values set for the next request."""

_ATTRIBUTE = "_sessionkit_visit"
_NO_FLASH: Mapping[str, Any] = MappingProxyType({})


class Visit(NamedTuple):
    permitted: bool
    """Sessions are permitted for this visitor (consent granted, or not required)."""
    view: PageView | None
    """This request as tracking sees it; None when its path is excluded from tracking."""
    now: float = 0.0
    """When the request came in (POSIX seconds): the one clock reading of the request."""
    issued: CookieKey | None = None
    """The key of a new session, issued before anything is stored (the pending marker's, or
    a fresh one)."""
    before: Figures = NO_FIGURES
    """The figures as stored before this request."""
    current: Figures = NO_FIGURES
    """The figures as shown while the view runs: this request counted as a page."""
    stored: bool = False
    """A stored session was found for the cookie."""
    display_id: PublicId | None = None
    """The id shown as ``session.id`` when there is no stored session (not permitted)."""
    flash: Mapping[str, Any] = _NO_FLASH
    """Flash values set on the previous request, readable on this one."""

    @property
    def tracked(self) -> bool:
        return self.view is not None

    @property
    def deferrable(self) -> bool:
        """A new session whose key was issued before anything was stored: if only tracking
        changes it, it need not be written yet."""
        return self.issued is not None


def visit_of(request: HttpRequest) -> Visit | None:
    """The current request's visit, or None when sessionkit's middleware did not run."""
    visit: Visit | None = getattr(request, _ATTRIBUTE, None)
    return visit


def attach(request: HttpRequest, visit: Visit) -> Visit:
    setattr(request, _ATTRIBUTE, visit)
    return visit
