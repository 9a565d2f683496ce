"""What the middleware knows about the current request, shared with flash, consent and
the template object. Lives on the request for one request only; never stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from sessionkit.keys import PublicId, StoredKey
from sessionkit.tracking import Figures, PageView

FIGURES_KEY = "_sessionkit"
"""The reserved session key the tracking figures are stored under."""
FLASH_KEY = "_sessionkit_flash"
"""The reserved session key of flash values set for the next request."""

_ATTRIBUTE = "_sessionkit_visit"


@dataclass(slots=True)
class Visit:
    permitted: bool
    """Sessions are permitted for this visitor (consent granted, or not required)."""
    view: PageView | None
    """This request as tracking sees it; None when its path is excluded from tracking."""
    before: Figures = field(default_factory=Figures)
    """The figures as stored before this request."""
    current: Figures = field(default_factory=Figures)
    """The figures as shown while the view runs: this request counted as a page."""
    stored: bool = False
    """A stored session was found for the cookie."""
    display_id: PublicId | None = None
    """The id shown as ``session.id`` when there is no stored session (not permitted)."""
    flash: dict[str, Any] = field(default_factory=dict)
    """Flash values set on the previous request, readable on this one."""
    revoked: bool = False
    """Permission was revoked during this request."""
    user_at_load: object = None
    """The signed-in user's id as the session was loaded (a sign-in changes it)."""
    written_row: StoredKey | None = None
    """The session whose inventory row this request wrote, if any."""
    shrink: int = 0
    """How many times the figures had to shrink to fit ``SESSIONKIT_MAX_SIZE``."""
    deferrable: bool = False
    """A new session whose key was issued before anything was stored: if only tracking
    changes, it need not be written yet (sessionkit's engines; not Django's)."""

    @property
    def tracked(self) -> bool:
        return self.view is not None


def visit_of(request: HttpRequest) -> Visit | None:
    """The current request's visit, or None when sessionkit's middleware did not run."""
    visit: Visit | None = getattr(request, _ATTRIBUTE, None)
    return visit


def attach(request: HttpRequest, visit: Visit) -> None:
    setattr(request, _ATTRIBUTE, visit)
