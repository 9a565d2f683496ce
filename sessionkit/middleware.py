"""The session middleware: Django's, plus per-session tracking, consent and flash data.

A subclass of Django's ``SessionMiddleware`` so that ``django.contrib.auth``, ``messages`` and
the admin's system check (admin.E410) accept it unchanged. Per request it makes at most one load
and one save, with a native async path (no thread hop for the middleware itself)::

    request ─► consent? ─► session for the cookie (one load) ─► tracking.begin ─► view
    response ◄─ cookies ◄─ one save (also on 5xx) ◄─ tracking.finish(status) ◄─┘

A request without a stored session whose only change is tracking writes nothing: the client
gets the new key and a signed marker (sessionkit.pending), and the session is created when the
client comes back with both.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from sessionkit import consent, inventory, pending
from sessionkit.backends.base import from_timestamp, to_timestamp
from sessionkit.conf import conf
from sessionkit.exceptions import SessionConflict, SessionStoreUnavailable, SessionTooLarge
from sessionkit.keys import new_cookie_key, transient_public_id
from sessionkit.tracking import Figures, PageView, begin, finish
from sessionkit.visit import FIGURES_KEY, FLASH_KEY, Visit, attach

SAVE, NOTHING, MARK, FORGET = "save", "nothing", "mark", "forget"

logger = logging.getLogger("sessionkit.middleware")


def _store_errors() -> tuple[type[BaseException], ...]:
    """What a session store that is down or unreachable raises."""
    errors: list[type[BaseException]] = [
        DatabaseError,
        OSError,
        SessionStoreUnavailable,
        SessionConflict,
    ]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:
        pass
    try:
        from pymemcache.exceptions import MemcacheError

        errors.append(MemcacheError)
    except ImportError:
        pass
    return tuple(errors)


STORE_ERRORS = _store_errors()


@functools.lru_cache(maxsize=16)
def _exclusions(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def is_excluded(path: str) -> bool:
    """Whether ``path`` matches ``SESSIONKIT_TRACK_EXCLUDE``."""
    pattern = _exclusions(tuple(conf.SESSIONKIT_TRACK_EXCLUDE))
    return pattern is not None and pattern.search(path) is not None


class SessionMiddleware(DjangoSessionMiddleware):
    """Drop-in replacement for ``django.contrib.sessions.middleware.SessionMiddleware``."""

    sync_capable = True
    # Django's MiddlewareMixin.__init__ marks the instance as a coroutine function when the
    # next handler is async; __call__ then hands the request to __acall__.
    async_capable = True

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        visit = self._open(request)
        if visit.tracked and visit.permitted:
            try:
                request.session.get(FIGURES_KEY)  # the one load
            except STORE_ERRORS as exc:
                self._store_down(request, visit, exc)
        if (sync := self._inventory_due(request, visit, signing_in=False)) is not None:
            self._inventoried(request, visit, sync, inventory.apply(sync, request))
        self._begin(request, visit)
        response = cast(HttpResponseBase, self.get_response(request))
        plan = self._conclude(request, response, visit)
        if plan == SAVE and (sync := self._inventory_due(request, visit)) is not None:
            plan = self._inventoried(request, visit, sync, inventory.apply(sync, request))
        if plan == SAVE:
            try:
                self._save(request.session, visit)
            except UpdateError:
                self._forget_written_row(visit)
                raise self._interrupted() from None
            except STORE_ERRORS as exc:
                plan = self._not_saved(request, exc)
        return self._respond(request, response, visit, plan)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        visit = self._open(request)
        if visit.tracked and visit.permitted:
            try:
                await request.session.aget(FIGURES_KEY)  # the one load
            except STORE_ERRORS as exc:
                self._store_down(request, visit, exc)
        if (sync := self._inventory_due(request, visit, signing_in=False)) is not None:
            outcome = await sync_to_async(inventory.apply)(sync, request)
            await sync_to_async(self._inventoried)(request, visit, sync, outcome)
        self._begin(request, visit)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        plan = self._conclude(request, response, visit)
        if plan == SAVE and (sync := self._inventory_due(request, visit)) is not None:
            outcome = await sync_to_async(inventory.apply)(sync, request)
            plan = await sync_to_async(self._inventoried)(request, visit, sync, outcome)
        if plan == SAVE:
            try:
                await self._asave(request.session, visit)
            except UpdateError:
                await sync_to_async(self._forget_written_row)(visit)
                raise self._interrupted() from None
            except STORE_ERRORS as exc:
                plan = self._not_saved(request, exc)
        return self._respond(request, response, visit, plan)

    # --- the inventory of signed-in sessions ---------------------------------------------------

    def _inventory_due(
        self, request: HttpRequest, visit: Visit, signing_in: bool | None = None
    ) -> inventory.Sync | None:
        """The inventory write this request needs, if any (most need none). Decided without
        I/O, so the async path hops to a thread only when there is something to write.

        Before the view (``signing_in=False``) it checks the session as loaded, so a session
        signed out everywhere is ended before its view runs; after the view, a sign-in, a
        key rotation or a change of user made by the view.
        """
        session = request.session
        if not visit.permitted or session.session_key is None:
            return None
        if signing_in is None:
            user_id = session.get(inventory.USER_KEY)
            signing_in = user_id is not None and user_id != visit.user_at_load
        else:
            visit.user_at_load = session.get(inventory.USER_KEY)
        return inventory.needs_sync(request, session, now=time.time(), signing_in=signing_in)

    def _inventoried(
        self, request: HttpRequest, visit: Visit, sync: inventory.Sync, outcome: inventory.Outcome
    ) -> str:
        """Keep the outcome of an inventory write; end a session signed out everywhere."""
        session = request.session
        if outcome is inventory.Outcome.SIGNED_OUT:
            session.flush()  # the one way to end it: the store forgets it, its row goes
            return FORGET
        inventory.record(session, sync, outcome)
        if outcome is inventory.Outcome.WRITTEN:
            visit.written_row = sync.store_key
        return SAVE

    def _forget_written_row(self, visit: Visit) -> None:
        """The session was ended while this request ran: its row, if this request wrote one,
        must not outlive it (a ghost on the sessions page)."""
        if visit.written_row is not None:
            _logged(inventory.forget, visit.written_row)

    # --- saving -----------------------------------------------------------------------------

    def _save(self, session: Any, visit: Visit) -> None:
        while True:
            try:
                return cast(None, session.save())
            except SessionTooLarge:
                if not self._shrink(session, visit):
                    raise

    async def _asave(self, session: Any, visit: Visit) -> None:
        while True:
            try:
                return cast(None, await session.asave())
            except SessionTooLarge:
                if not self._shrink(session, visit):
                    raise

    def _shrink(self, session: Any, visit: Visit) -> bool:
        """Make the tracking figures smaller (oldest history first) when the session is too
        large to save; False when they cannot shrink further (then the view's data is)."""
        if visit.view is None or FIGURES_KEY not in session:
            return False
        figures = Figures.load(session[FIGURES_KEY])
        smaller = figures.shrunk()
        if smaller == figures:
            return False
        logger.warning(
            "The session of %s is over SESSIONKIT_MAX_SIZE; dropping its oldest tracking "
            "history to save it.",
            visit.view.path,
        )
        visit.shrink += 1
        session[FIGURES_KEY] = smaller.dump()
        return True

    # --- a store that is down: log it and serve the page without a session ----------------

    def _store_down(self, request: HttpRequest, visit: Visit, exc: BaseException) -> None:
        logger.error(
            "Session store %s is unavailable (%s: %s); serving %s without a session.",
            settings.SESSION_ENGINE,
            type(exc).__name__,
            exc,
            request.path,
        )
        request.session = consent.TransientSession()
        visit.permitted = False
        visit.display_id = transient_public_id()

    def _not_saved(self, request: HttpRequest, exc: BaseException) -> str:
        logger.error(
            "Session store %s is unavailable (%s: %s); the session of %s was not saved.",
            settings.SESSION_ENGINE,
            type(exc).__name__,
            exc,
            request.path,
        )
        return NOTHING

    # --- the steps between the load and the save; none of them does I/O -------------------

    def _open(self, request: HttpRequest) -> Visit:
        """Put a session on the request (nothing loaded yet) and decide what to track."""
        tracked = not is_excluded(request.path_info)
        view = PageView.of(request.path, request.get_full_path(), time.time()) if tracked else None
        visit = Visit(permitted=consent.given(request), view=view)
        if visit.permitted:
            request.session = self.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        else:
            request.session = consent.TransientSession()
            visit.display_id = transient_public_id()
        attach(request, visit)
        return visit

    def _begin(self, request: HttpRequest, visit: Visit) -> None:
        """Count this request in the figures the view sees (the session is loaded by now)."""
        if visit.view is None:
            return
        session = request.session
        if not visit.permitted:
            visit.current = begin(Figures(), visit.view)
            return
        if session.session_key is not None:
            visit.stored = True
            visit.before = Figures.load(session.get(FIGURES_KEY))
            visit.flash = session.pop(FLASH_KEY, None) or {}
        elif hasattr(session, "adopt_key"):
            cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            first = pending.figures_for(request, cookie)
            key = cookie if first is not None and cookie else new_cookie_key()
            session.adopt_key(key)
            visit.before = first or Figures()
            visit.deferrable = True
        visit.current = begin(visit.before, visit.view)

    def _conclude(self, request: HttpRequest, response: HttpResponseBase, visit: Visit) -> str:
        """Decide what to store, and put the final figures into the session."""
        session = request.session
        if not visit.permitted or visit.revoked:
            return NOTHING
        if visit.view is None:  # not tracked: Django's rules
            if session.is_empty():
                return FORGET
            wanted = session.modified or settings.SESSION_SAVE_EVERY_REQUEST
            return SAVE if wanted and response.status_code < 500 else NOTHING
        status = response.status_code
        if status >= 500 and hasattr(session, "discard_changes"):
            session.discard_changes()  # as Django: a failed view's changes are not kept
        before = visit.before
        if visit.stored and session.session_key is None:  # the view flushed it (a logout)
            if session.is_empty():
                return FORGET
            before = Figures()
        final = finish(before, visit.view, status)
        visit.current = final
        if visit.deferrable and not visit.before.requests and not session.modified:
            return MARK  # a first request that changed nothing but tracking
        session[FIGURES_KEY] = final.dump()
        if hasattr(session, "on_conflict"):
            # A concurrent request saved first: count this one on top of its figures.
            view = visit.view
            session.on_conflict(
                FIGURES_KEY,
                lambda stored: (
                    finish(Figures.load(stored), view, status).shrunk(visit.shrink).dump()
                ),
            )
        self._cap_lifetime(session, final)
        return SAVE

    def _cap_lifetime(self, session: Any, figures: Figures) -> None:
        absolute = conf.SESSIONKIT_ABSOLUTE_AGE
        if absolute is None:
            return
        limit = figures.start + absolute
        if to_timestamp(session.get_expiry_date()) > limit:
            # A fixed end (a datetime), not a number of seconds, which would roll again.
            session.set_expiry(from_timestamp(limit))

    @staticmethod
    def _interrupted() -> SessionInterrupted:
        return SessionInterrupted(
            "The request's session was deleted before the request completed. The user may "
            "have logged out in a concurrent request, for example."
        )

    def _respond(
        self, request: HttpRequest, response: HttpResponseBase, visit: Visit, plan: str
    ) -> HttpResponseBase:
        """Set or delete the cookies the plan calls for."""
        session = request.session
        sent_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
        vary = session.accessed
        if visit.revoked or (plan == FORGET and sent_cookie):
            self._delete_cookie(response, settings.SESSION_COOKIE_NAME)
            vary = True
        if plan in (SAVE, MARK):
            self._set_session_cookie(response, session)
            vary = True
        if plan == MARK:
            pending.set_marker(response, str(session.session_key), visit.current, **_flags())
        elif (plan == SAVE or visit.revoked) and (
            conf.SESSIONKIT_PENDING_COOKIE_NAME in request.COOKIES
        ):
            self._delete_cookie(response, conf.SESSIONKIT_PENDING_COOKIE_NAME)
        if vary:
            patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _set_session_cookie(response: HttpResponseBase, session: Any) -> None:
        if session.get_expire_at_browser_close():
            max_age, expires = None, None
        else:
            max_age = session.get_expiry_age()
            expires = http_date(time.time() + max_age)
        response.set_cookie(
            settings.SESSION_COOKIE_NAME,
            session.session_key,
            max_age=max_age,
            expires=expires,
            **_flags(),
        )

    @staticmethod
    def _delete_cookie(response: HttpResponseBase, name: str) -> None:
        response.delete_cookie(
            name,
            path=settings.SESSION_COOKIE_PATH,
            domain=settings.SESSION_COOKIE_DOMAIN,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )


def _logged(function: Callable[..., None], *args: Any) -> None:
    """Run an inventory write; a failure there must not fail the page."""
    try:
        function(*args)
    except Exception:
        logger.exception("Could not update the session inventory.")


def _flags() -> dict[str, Any]:
    """The session cookie's flags, from Django's settings."""
    return {
        "domain": settings.SESSION_COOKIE_DOMAIN,
        "path": settings.SESSION_COOKIE_PATH,
        "secure": settings.SESSION_COOKIE_SECURE or None,
        "httponly": settings.SESSION_COOKIE_HTTPONLY or None,
        "samesite": settings.SESSION_COOKIE_SAMESITE,
    }
