"""The session middleware: Django's, plus per-session tracking, consent and flash data.

A subclass of Django's ``SessionMiddleware``, so that ``django.contrib.auth``, ``messages`` and
the admin's system check (admin.E410) accept it unchanged. This class only does the I/O — one
load, the view, at most one save, and the inventory write a sign-in needs — and carries out
what sessionkit.plan decides::

    request ─► opening ─► one load ─► beginning ─► view ─► conclusion ─► one save ─► cookies

Each side of the view is written once, as a generator that yields its I/O (``Io``) and is sent
the answer, or thrown the error, back (as the engines' loads and saves are): ``_run`` carries
it out blocking, ``_arun`` awaiting, so the sync and async paths differ only in what they
await.

It imports no models (the inventory's are imported only when a row must be written).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Generator
from typing import Any, TypeVar, cast

from asgiref.sync import sync_to_async
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

from sessionkit import consent, cookies, inventory_note, pending
from sessionkit.backends.base import SessionStore as SessionkitStore

# (importing the checks registers them, app installed or not)
from sessionkit.checks import ENGINES, MODEL_ENGINES, djangos_engine_without_its_app
from sessionkit.conf import conf, django_setting
from sessionkit.exceptions import (
    STORE_ERRORS,
    SessionTooLarge,
    hint_for,
)
from sessionkit.keys import StoredKey
from sessionkit.plan import (
    FORGET,
    NOT_LOADED,
    NOTHING,
    SAVE,
    Conclusion,
    Loaded,
    Plan,
    after_view,
    beginning,
    conclusion,
    cookie_work,
    opening,
    store_down,
    untouched,
)
from sessionkit.timestamps import from_timestamp, to_timestamp
from sessionkit.tracking import Figures, finish
from sessionkit.visit import FIGURES_KEY, FLASH_KEY, Visit, attach

logger = logging.getLogger("sessionkit.middleware")
T = TypeVar("T")


class Io(enum.Enum):
    """The middleware's I/O: what its steps (``_before_view``, ``_after_view``) yield."""

    LOAD = enum.auto()
    """The one load of the session."""
    SAVE = enum.auto()
    """The one save (``SessionTooLarge`` is thrown back: the steps shrink the figures)."""
    SYNC = enum.auto()
    """Write the session's inventory row (``Sync``): the row written, and whether the
    session ended (its user signed out everywhere)."""
    FORGET = enum.auto()
    """Remove an inventory row (``StoredKey``) that must not outlive this request."""


Step = tuple[Any, ...]
"""An ``Io`` and its argument, if any."""
Steps = Generator[Step, Any, T]
_LOAD: Step = (Io.LOAD,)
_SAVE: Step = (Io.SAVE,)


class SessionMiddleware(DjangoSessionMiddleware):
    """Drop-in replacement for ``django.contrib.sessions.middleware.SessionMiddleware``."""

    sync_capable = True
    # Django's MiddlewareMixin.__init__ marks the instance as a coroutine function when the
    # next handler is async; __call__ then hands the request to __acall__.
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        if (message := djangos_engine_without_its_app()) is not None:
            raise ImproperlyConfigured(message)
        if settings.SESSION_ENGINE in MODEL_ENGINES and not apps.is_installed("sessionkit"):
            raise ImproperlyConfigured(
                f"SESSION_ENGINE {settings.SESSION_ENGINE!r} needs 'sessionkit' in "
                "INSTALLED_APPS (its model holds the sessions). Add it, then run "
                "`python manage.py migrate`."
            )
        try:
            super().__init__(get_response)  # Django's imports SESSION_ENGINE
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"SESSION_ENGINE {settings.SESSION_ENGINE!r} cannot be imported ({exc}). Use "
                f"one of: {', '.join(ENGINES)}."
            ) from exc
        self.adoptable = issubclass(self.SessionStore, SessionkitStore)
        # Whether the engine's I/O is natively async (the redis engine), or runs in a thread.
        self.async_store = self.adoptable and not getattr(
            getattr(self.SessionStore, "_aread", None), "delegates_to_sync", False
        )

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:  # set by Django's MiddlewareMixin from the next handler
            return self.__acall__(request)
        visit, written = self._opened(request)
        response: Any = self.get_response(request)  # (sync here: async_mode is False)
        if untouched(visit, request.session, request.COOKIES, response):
            return response
        return self._run(request, self._after_view(request, response, visit, written))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.adoptable:
            # Django's own engines may do I/O as a store is built (its cache engine takes a
            # cache, which Django builds anew in each request's context): in a thread, as
            # Django's middleware does it.
            visit, written = await sync_to_async(self._opened)(request)
        else:
            # sessionkit's stores do no I/O until they load: opened on the event loop, so that
            # an excluded path whose view leaves the session alone never goes to a thread.
            visit, written = self._open(request), None
            if visit.view is not None:
                before = self._before_view(request, visit)
                if self.async_store:
                    visit, written = await self._arun(request, before)
                else:  # the engine's I/O runs in a thread anyway: all of it in one hop
                    visit, written = await sync_to_async(self._run)(request, before)
        response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
        if untouched(visit, request.session, request.COOKIES, response):
            return response
        after = self._after_view(request, response, visit, written)
        if self.async_store:
            return await self._arun(request, after)
        return await sync_to_async(self._run)(request, after)

    def _opened(self, request: HttpRequest) -> tuple[Visit, StoredKey | None]:
        """Open the session and carry out the steps before the view, blocking."""
        visit = self._open(request)
        if visit.view is None:  # an excluded path: nothing is loaded or counted before the view
            return visit, None
        return self._run(request, self._before_view(request, visit))

    # --- the request's life, written once as steps: the I/O is carried out by _run (sync) or
    # --- _arun (async), which differ only in what they await

    def _before_view(
        self, request: HttpRequest, visit: Visit
    ) -> Steps[tuple[Visit, StoredKey | None]]:
        """Everything before a tracked view (``_open`` has put the session on the request):
        the one load, begin, the inventory check."""
        if visit.permitted:
            try:
                yield _LOAD  # the one load
            except STORE_ERRORS as exc:
                visit = self._store_down(request, visit, exc)
        visit, sync = self._begin(request, visit)
        written = None
        if sync is not None:  # before the view: a session signed out everywhere ends here
            written, _ = yield (Io.SYNC, sync)
        request.session.accessed = False  # the middleware's own reads are not the app's
        return visit, written

    def _after_view(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        visit: Visit,
        written: StoredKey | None,
    ) -> Steps[HttpResponseBase]:
        """Everything after the view: conclude, the inventory write, the one save, cookies."""
        accessed = request.session.accessed
        decided = self._conclude(request, response, visit)
        if (row := self._discarded_sign_in(request, response)) is not None:
            yield (Io.FORGET, row)
        if (sync := self._sync_due(request, visit, decided, response)) is not None:
            row, ended = yield (Io.SYNC, sync)
            written, decided = row or written, self._after_sync(decided, ended)
        if decided.plan is Plan.SAVE:
            try:
                shrink = 0
                while True:
                    try:
                        yield _SAVE  # the one save
                        break
                    except SessionTooLarge:
                        smaller = self._shrink(request.session, visit, decided, shrink)
                        if smaller is None:
                            raise
                        shrink = smaller
            except UpdateError:
                if written is not None:
                    yield (Io.FORGET, written)
                raise self._interrupted() from None
            except STORE_ERRORS as exc:
                decided = self._not_saved(request, exc)
                for row in self._unsaved_rows(request, response, written):
                    yield (Io.FORGET, row)
            except Exception:  # (too large even without history, not serialisable: a 500)
                for row in self._unsaved_rows(request, response, written):
                    yield (Io.FORGET, row)
                raise
        return self._respond(request, response, visit, decided, accessed)

    def _run(self, request: HttpRequest, steps: Steps[T]) -> T:
        """Carry out ``steps`` with blocking I/O; what the I/O raised is raised in ``steps``."""
        answer: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = steps.send(answer) if error is None else steps.throw(error)
            except StopIteration as done:
                return cast(T, done.value)
            try:
                answer, error = self._carry_out(request, step), None
            except Exception as exc:
                answer, error = None, exc

    async def _arun(self, request: HttpRequest, steps: Steps[T]) -> T:
        """Carry out ``steps`` with the engine's async I/O (the inventory's in a thread)."""
        answer: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = steps.send(answer) if error is None else steps.throw(error)
            except StopIteration as done:
                return cast(T, done.value)
            try:
                answer, error = await self._acarry_out(request, step), None
            except Exception as exc:
                answer, error = None, exc

    def _carry_out(self, request: HttpRequest, step: Step) -> Any:
        # (identity with the argument-less steps first: an enum member costs a lookup)
        if step is _LOAD:
            return request.session.get(FIGURES_KEY)
        if step is _SAVE:
            return request.session.save()
        io, argument = step
        if io is Io.SYNC:
            return self._sync(request, argument)
        if io is Io.FORGET:
            return _inventory().forget(argument)
        raise ValueError(f"not a step: {step!r}")

    async def _acarry_out(self, request: HttpRequest, step: Step) -> Any:
        if step is _LOAD:
            return await request.session.aget(FIGURES_KEY)
        if step is _SAVE:
            return await request.session.asave()
        io, argument = step
        if io is Io.SYNC:
            return await sync_to_async(self._sync)(request, argument)
        if io is Io.FORGET:
            return await sync_to_async(_inventory().forget)(argument)
        raise ValueError(f"not a step: {step!r}")

    # --- the steps: only the load, the inventory write and the save above do I/O -----------

    def _open(self, request: HttpRequest) -> Visit:
        """Put a session on the request (nothing loaded yet) and decide what to track. No I/O
        of its own: under ASGI it runs on the event loop for sessionkit's engines."""
        visit = opening(request, time.time())
        if visit.permitted:
            session: Any = self.SessionStore(
                request.COOKIES.get(django_setting("SESSION_COOKIE_NAME"))
            )
            if visit.view is None and self.adoptable:  # (not .tracked: no call on every request)
                session.check_sign_out = True
            request.session = session
        else:
            request.session = consent.TransientSession()
        return attach(request, visit)

    def _begin(
        self, request: HttpRequest, visit: Visit
    ) -> tuple[Visit, inventory_note.Sync | None]:
        """Count this tracked request in the figures the view sees (the session is loaded by
        now), and decide whether the session's inventory row needs writing before the view
        runs. (An excluded path never comes here: nothing is counted before its view.)"""
        session = request.session
        if not visit.permitted:
            return attach(request, beginning(visit, NOT_LOADED, None, False)), None
        if session.session_key is None:
            visit = beginning(visit, NOT_LOADED, pending.read(request), self.adoptable)
            if visit.issued is not None:
                cast(SessionkitStore, session).adopt_key(visit.issued)
            return attach(request, visit), None
        loaded = Loaded(True, session.get(FIGURES_KEY), session.pop(FLASH_KEY, None))
        visit = attach(request, beginning(visit, loaded, None, self.adoptable))
        return visit, inventory_note.needs_sync(request, session, now=visit.now)

    def _conclude(
        self, request: HttpRequest, response: HttpResponseBase, visit: Visit
    ) -> Conclusion:
        """Decide what to store, and put the final figures into the session."""
        session = request.session
        decided = conclusion(visit, after_view(session, response), response.status_code)
        if decided.plan is not Plan.SAVE or decided.figures is None:
            return decided
        if decided.discard and isinstance(session, SessionkitStore):
            session.discard_changes()  # as Django: a failed view's changes are not kept
        self._put_figures(session, visit, decided, shrink=0)
        if decided.ends_at is not None and to_timestamp(session.get_expiry_date()) > (
            decided.ends_at
        ):
            # A fixed end (a datetime), not a number of seconds, which would roll again.
            session.set_expiry(from_timestamp(decided.ends_at))
        return decided

    def _put_figures(self, session: Any, visit: Visit, decided: Conclusion, shrink: int) -> None:
        assert decided.figures is not None and visit.view is not None
        session[FIGURES_KEY] = decided.figures.shrunk(shrink).dump()
        if isinstance(session, SessionkitStore):
            # A concurrent request saved first: count this one on top of its figures.
            view, status = visit.view, decided.status
            session.on_conflict(
                FIGURES_KEY,
                lambda stored: finish(Figures.load(stored), view, status).shrunk(shrink).dump(),
            )

    def _respond(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        visit: Visit,
        decided: Conclusion,
        accessed: bool,
    ) -> HttpResponseBase:
        """Set or delete the cookies the plan calls for."""
        work = cookie_work(decided, request.COOKIES, accessed)
        if work.delete_session:
            cookies.delete_cookie(response, django_setting("SESSION_COOKIE_NAME"))
        if work.set_session:
            cookies.set_session_cookie(response, request.session)
        if work.marker is not None and visit.issued is not None:
            pending.set_marker(response, visit.issued, work.marker)
        elif work.delete_marker:
            cookies.delete_cookie(response, conf.SESSIONKIT_PENDING_COOKIE_NAME)
        if work.vary:
            cookies.vary_on_cookie(response)
        return response

    # --- the inventory of signed-in sessions ---------------------------------------------------

    def _sync_due(
        self,
        request: HttpRequest,
        visit: Visit,
        decided: Conclusion,
        response: HttpResponseBase,
    ) -> inventory_note.Sync | None:
        """The inventory write a session needs after its view (a sign-in, a key rotation, a
        change of user, or a signed-in session loaded on a request that is not tracked, so
        that it is listed), decided without I/O. Most requests: none."""
        session = request.session
        if decided.plan is not Plan.SAVE and not (
            visit.view is None  # a load on an untracked request
            and decided.plan is Plan.NOTHING
            and response.status_code < 500
            and isinstance(session, SessionkitStore)
            and session.__dict__.get("_session_cache") is not None
        ):
            return None
        if session.session_key is None:
            return None
        return inventory_note.needs_sync(request, session, now=time.time())

    @staticmethod
    def _discarded_sign_in(request: HttpRequest, response: HttpResponseBase) -> StoredKey | None:
        """The inventory row a sign-in wrote during a view that then failed: its changes (the
        sign-in among them) are not kept, so neither is the row — unless the sign-in kept the
        key the session was loaded with (the same user signing in again), whose stored session
        is still signed in."""
        row: StoredKey | None = getattr(request, "sessionkit_signed_in_row", None)
        if row is None or response.status_code < 500 or _was_stored(request.session):
            return None
        return row

    @staticmethod
    def _unsaved_rows(
        request: HttpRequest, response: HttpResponseBase, written: StoredKey | None
    ) -> list[StoredKey]:
        """The inventory rows this request wrote for a session it then could not save: a
        sign-in's (unless its view failed: ``_discarded_sign_in`` dropped it already), or the
        one written after the view (a sign-in inside a transaction). None where the session
        keeps the key it was loaded with: that session is stored, and its row names it."""
        if _was_stored(request.session):
            return []
        rows = [written] if written is not None else []
        row: StoredKey | None = getattr(request, "sessionkit_signed_in_row", None)
        if row is not None and response.status_code < 500 and row not in rows:
            rows.append(row)
        return rows

    @staticmethod
    def _after_sync(decided: Conclusion, ended: bool) -> Conclusion:
        """The plan once the inventory was written: the session ended, or saved with the
        inventory's note (also where the request had nothing else to save)."""
        if ended:
            return FORGET
        return decided if decided.plan is Plan.SAVE else SAVE

    def _sync(
        self, request: HttpRequest, sync: inventory_note.Sync
    ) -> tuple[StoredKey | None, bool]:
        """Write the session's inventory row; see :meth:`_synced`."""
        return self._synced(request, sync, _inventory().apply(sync, request))

    def _synced(
        self, request: HttpRequest, sync: inventory_note.Sync, outcome: inventory_note.Outcome
    ) -> tuple[StoredKey | None, bool]:
        """Keep the outcome of an inventory write in the session, or end the session (the one
        way) when its user signed out everywhere since it signed in. The row written, if any,
        and whether the session was ended."""
        session = request.session
        if outcome is inventory_note.Outcome.SIGNED_OUT:
            session.flush()
            return None, True
        inventory_note.record(session, sync, outcome)
        return (sync.store_key if outcome is inventory_note.Outcome.WRITTEN else None), False

    # --- saving -------------------------------------------------------------------------------

    def _shrink(self, session: Any, visit: Visit, decided: Conclusion, shrink: int) -> int | None:
        """Make the tracking figures smaller (oldest history first) when the session is too
        large to save: how much they were shrunk now, or None when they cannot shrink further
        (then the view's data is too large)."""
        figures = decided.figures
        if (
            figures is None
            or visit.view is None
            or figures.shrunk(shrink + 1) == (figures.shrunk(shrink))
        ):
            return None
        logger.warning(
            "The session of %s is over SESSIONKIT_MAX_SIZE; dropping its oldest tracking "
            "history to save it.",
            visit.view.path,
        )
        self._put_figures(session, visit, decided, shrink + 1)
        return shrink + 1

    # --- a store that is down: log it and serve the page without a session ----------------

    def _store_down(self, request: HttpRequest, visit: Visit, exc: BaseException) -> Visit:
        logger.error(
            "Session store %s is unavailable (%s: %s); serving %s without a session.%s",
            settings.SESSION_ENGINE,
            type(exc).__name__,
            exc,
            request.path,
            hint_for(exc),
        )
        request.session = consent.TransientSession()
        return attach(request, store_down(visit))

    def _not_saved(self, request: HttpRequest, exc: BaseException) -> Conclusion:
        logger.error(
            "Session store %s is unavailable (%s: %s); the session of %s was not saved.%s",
            settings.SESSION_ENGINE,
            type(exc).__name__,
            exc,
            request.path,
            hint_for(exc),
        )
        return NOTHING

    @staticmethod
    def _interrupted() -> SessionInterrupted:
        return SessionInterrupted(
            "The request's session was deleted before the request completed. The user may "
            "have logged out in a concurrent request, for example."
        )


def _was_stored(session: Any) -> bool:
    """Whether the session has the key it was loaded from the store with (so whatever this
    request failed to save, a stored session goes on under that key)."""
    loaded = getattr(session, "_loaded_key", None)
    return loaded is not None and loaded == getattr(session, "cookie_key", None)


def _inventory() -> Any:
    """The inventory's writing side (it needs the models): imported only when used."""
    from sessionkit import inventory

    return inventory
