"""A request's life as a pure plan: what to track, what to store, which cookies to send.

No I/O here and no models: these functions decide from the request, the session as loaded and
the response, and return typed values; the middleware (sessionkit.middleware) carries them out.
Its sync and async paths share every decision below; only their awaited calls differ.

    opening(request, now)               before anything is loaded: tracked? permitted?
    beginning(visit, loaded, pending)   the session is loaded: the figures the view sees
    conclusion(visit, after, status)    the view has answered: SAVE, MARK, FORGET or NOTHING
    cookie_work(visit, plan, ...)       the cookies that plan calls for
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, NamedTuple

from django.http import HttpRequest

from sessionkit import consent
from sessionkit.conf import conf, django_setting
from sessionkit.keys import new_cookie_key, transient_public_id
from sessionkit.pending import Pending
from sessionkit.tracking import NO_FIGURES, OK, Figures, PageView, begin, finish
from sessionkit.visit import Visit


class Plan(enum.Enum):
    SAVE = "save"
    """Write the session; send its cookie."""
    MARK = "mark"
    """Write nothing yet: a new visitor's request that changed nothing but tracking. Send the
    pending marker (which carries the issued key), and no session cookie."""
    FORGET = "forget"
    """The session ended (or never was): drop its cookie."""
    NOTHING = "nothing"
    """Neither the store nor the cookies change."""


class Loaded(NamedTuple):
    """What the middleware's one load found."""

    stored: bool
    """A stored session was found for the cookie."""
    figures: Any = None
    """The stored tracking figures, as ``Figures.dump()`` left them."""
    flash: Any = None
    """Flash values set on the previous request."""


class After(NamedTuple):
    """The session as the view left it."""

    has_key: bool
    empty: bool
    modified: bool
    revoked: bool
    """The view withdrew the visitor's permission (sessionkit.consent.revoke)."""


class Conclusion(NamedTuple):
    plan: Plan
    figures: Figures | None = None
    """The figures to store (SAVE) or to carry in the marker (MARK)."""
    status: int = 200
    discard: bool = False
    """Drop the view's own changes first, as Django does after a 5xx."""
    ends_at: float | None = None
    """Where ``SESSIONKIT_ABSOLUTE_AGE`` caps the session's expiry (POSIX seconds)."""
    revoked: bool = False
    """The view withdrew the visitor's permission: delete their cookies."""


class CookieWork(NamedTuple):
    set_session: bool = False
    delete_session: bool = False
    marker: Figures | None = None
    """Send the pending marker, with these figures."""
    delete_marker: bool = False
    vary: bool = False
    """Add ``Vary: Cookie``."""


NOT_LOADED = Loaded(False)
"""No stored session was loaded (none was asked for, or none was found)."""
NOTHING = Conclusion(Plan.NOTHING)
FORGET = Conclusion(Plan.FORGET)
SAVE = Conclusion(Plan.SAVE)
"""The conclusions that carry nothing but their plan (one instance each: they are immutable)."""
NO_COOKIES = CookieWork()
VARY = CookieWork(vary=True)


# --- before the load ---------------------------------------------------------------------------


def is_excluded(path: str) -> bool:
    """Whether ``path`` matches ``SESSIONKIT_TRACK_EXCLUDE``."""
    for pattern in conf.track_exclusions:  # noqa: SIM110 (any() over a generator costs more)
        if pattern.search(path) is not None:
            return True
    return False


def opening(request: HttpRequest, now: float) -> Visit:
    """Tracked or not, permitted or not: decided from the request alone."""
    tracked = not is_excluded(request.path_info)
    view = PageView.of(request.path, request.get_full_path(), now) if tracked else None
    if consent.given(request):
        return Visit(True, view, now)  # (positional: keywords cost a NamedTuple twice as much)
    return Visit(False, view, now, display_id=transient_public_id())


def store_down(visit: Visit) -> Visit:
    """The store did not answer the load: this request goes on without a session."""
    return visit._replace(permitted=False, display_id=transient_public_id())


# --- once the session is loaded ----------------------------------------------------------------


def beginning(visit: Visit, loaded: Loaded, pending: Pending | None, adoptable: bool) -> Visit:
    """The visit as the view sees it: this request counted, assumed to be answered 200.

    A new session of a sessionkit engine (``adoptable``) gets its key now, before anything is
    stored: the pending marker's when the request brings a valid one (its figures are the
    first request's), else a fresh one.
    """
    if visit.view is None:
        return visit if visit.stored is loaded.stored else visit._replace(stored=loaded.stored)
    if not visit.permitted:
        return visit._replace(current=begin(NO_FIGURES, visit.view))
    if loaded.stored:
        before = Figures.load(loaded.figures)
        flash = loaded.flash if isinstance(loaded.flash, Mapping) else {}
        return visit._replace(
            stored=True, before=before, current=begin(before, visit.view), flash=flash
        )
    if not adoptable:  # Django's own engines: a new session is written at once
        return visit._replace(current=begin(NO_FIGURES, visit.view))
    issued, before = (pending.key, pending.figures) if pending else (new_cookie_key(), NO_FIGURES)
    return visit._replace(issued=issued, before=before, current=begin(before, visit.view))


# --- once the view has answered ----------------------------------------------------------------


def conclusion(visit: Visit, after: After, status: int) -> Conclusion:
    """What to store: Django's rules where nothing is tracked; otherwise the figures, saved on
    every request (errors included), except for a new visitor whose first request changed
    nothing but them (MARK: no write until the visitor shows it keeps cookies)."""
    if after.revoked:
        return Conclusion(Plan.NOTHING, revoked=True)
    if not visit.permitted:
        return NOTHING
    if visit.view is None:
        if after.empty:
            return FORGET
        wanted = after.modified or django_setting("SESSION_SAVE_EVERY_REQUEST")
        return SAVE if wanted and status < 500 else NOTHING
    failed = status >= 500
    before = visit.before
    if visit.stored and not after.has_key:  # the view flushed it (a logout)
        if after.empty:
            return FORGET
        before = NO_FIGURES
    # finish(f, v, 200) == begin(f, v): a page answered 200 has its figures already.
    final = (
        visit.current
        if status == OK and before is visit.before
        else finish(before, visit.view, status)
    )
    modified = after.modified and not failed
    if visit.deferrable and not visit.before.requests and not modified:
        return Conclusion(Plan.MARK, final, status)
    return Conclusion(Plan.SAVE, final, status, discard=failed, ends_at=lifetime_end(final))


def lifetime_end(figures: Figures) -> float | None:
    """When ``SESSIONKIT_ABSOLUTE_AGE`` ends a session that started with ``figures``."""
    absolute = conf.SESSIONKIT_ABSOLUTE_AGE
    if absolute is None or not figures.start:
        return None
    return float(figures.start + absolute)


def cookie_work(conclusion: Conclusion, sent: Mapping[str, str], accessed: bool) -> CookieWork:
    """The cookies for ``conclusion``, given the cookies the request ``sent``.

    ``Vary: Cookie`` when the application read the session (the middleware's own tracking does
    not count as a read), and whenever the session cookie or the marker is set or deleted, as
    Django does since 5.2.14 (CVE-2026-35192): a shared cache that kept a response setting one
    visitor's key, under a cache key that ignores the Cookie header, would hand that key (the
    credential) to everyone who asks for the page next.
    """
    plan = conclusion.plan
    if plan is Plan.NOTHING and not conclusion.revoked:  # (most requests that are not tracked)
        return VARY if accessed else NO_COOKIES
    sent_session = django_setting("SESSION_COOKIE_NAME") in sent
    # (A deleted marker has no value: a browser drops it, the test client sends it empty.)
    sent_marker = bool(sent.get(conf.SESSIONKIT_PENDING_COOKIE_NAME))
    if conclusion.revoked:
        return CookieWork(
            delete_session=sent_session,
            delete_marker=sent_marker,
            vary=accessed or sent_session or sent_marker,
        )
    if plan is Plan.SAVE:
        return CookieWork(set_session=True, delete_marker=sent_marker, vary=True)
    if plan is Plan.MARK:  # a session cookie sent with it named no stored session: drop it
        return CookieWork(delete_session=sent_session, marker=conclusion.figures, vary=True)
    return CookieWork(delete_session=sent_session, vary=accessed or sent_session)  # FORGET


def untouched(visit: Visit, session: Any, sent: Mapping[str, str], response: Any) -> bool:
    """Whether an untracked request's view left nothing to decide: it neither read nor changed
    the session, nor withdrew consent. Then the plan is NOTHING and no cookie changes (as
    :func:`conclusion` and :func:`cookie_work` would conclude), found out without building
    them: most requests to excluded paths (static files, health checks) end here."""
    return (
        visit.view is None
        and not session.accessed
        and not session.modified
        and (session.session_key is not None or django_setting("SESSION_COOKIE_NAME") not in sent)
        and not (response.cookies and consent.revoked(response))
        and not django_setting("SESSION_SAVE_EVERY_REQUEST")
    )


def after_view(session: Any, response: Any) -> After:
    """The facts :func:`conclusion` needs, read off the session the view left (no I/O: the
    session is loaded by then, or new)."""
    return After(
        has_key=session.session_key is not None,
        empty=session.is_empty(),
        modified=session.modified,
        revoked=consent.revoked(response),
    )
