"""The read-only ``session`` object that templates see.

Fields are those of the current request (see the README's table). Custom properties — every
session key not starting with ``_`` — are reachable as ``session.name`` and ``session["name"]``,
and iterating the object gives their names. Where a property and a field share a name, the
field wins, in Django templates and Jinja2 alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import Any

from django.http import HttpRequest

from sessionkit.client import client_ip, user_agent
from sessionkit.conf import conf
from sessionkit.consent import TransientSession
from sessionkit.inventory_note import USER_KEY
from sessionkit.keys import PublicId, as_stored_key, public_id
from sessionkit.timestamps import from_timestamp, to_timestamp
from sessionkit.tracking import Figures
from sessionkit.visit import FIGURES_KEY, Visit, visit_of

FIELDS = frozenset(
    {
        "object_type",
        "is_valid",
        "allowed",
        "id",
        "first_page",
        "start_date",
        "end_date",
        "num_requests",
        "num_pages",
        "unique_pages",
        "num_errors",
        "errors",
        "properties",
        "history",
        "tracker",
        "flash",
        "items",
        "user_agent",
        "ip_address",
        "user_id",
    }
)


class Flash(dict[str, Any]):
    """Flash values, also as attributes (``{{ session.flash.key }}`` in Jinja2 too)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class SessionView:
    """What a template sees as ``session``."""

    object_type = "session"

    def __init__(self, request: HttpRequest) -> None:
        """Nothing is read until a field is: a template that never shows one costs nothing
        and leaves the session unaccessed (the context processor hands this object to every
        template, without the proxy a lazy object would put before each field)."""
        self._request = request

    @cached_property
    def _session(self) -> Any:
        return self._open()[0]

    @cached_property
    def _visit(self) -> Visit:
        return self._open()[1]

    @cached_property
    def _figures(self) -> Figures:
        return self._open()[2]

    def _open(self) -> tuple[Any, Visit, Figures]:
        """The session, the visit and the figures, read once, on the first field read. A
        request the session middleware never saw (a page rendered by a middleware above it, a
        request built by hand) shows an empty session."""
        session = getattr(self._request, "session", None)
        if session is None:
            session = TransientSession()
        # What the page shows now depends on the session: the response varies on its cookie.
        session.accessed = True
        visit = visit_of(self._request)
        if visit is None:
            visit = Visit(permitted=False, view=None)
        if visit.view is None and visit.permitted:
            figures = Figures.load(session.get(FIGURES_KEY))
        else:
            figures = visit.current
        self.__dict__.update(_session=session, _visit=visit, _figures=figures)
        return session, visit, figures

    # --- fields ---------------------------------------------------------------------------

    @property
    def is_valid(self) -> bool:
        return self._visit.permitted

    @property
    def allowed(self) -> bool:
        return self._visit.permitted

    @property
    def id(self) -> PublicId | None:
        """The session's public id: never its key, which only the cookie may carry."""
        session = self._session
        stored = as_stored_key(getattr(session, "stored_key", None) or session.session_key)
        return public_id(stored) if stored is not None else self._visit.display_id

    @property
    def first_page(self) -> bool:
        return not self._visit.permitted or self._figures.first_page

    @property
    def start_date(self) -> datetime | None:
        return from_timestamp(self._figures.start) if self._figures.start else None

    @property
    def end_date(self) -> datetime:
        expiry = to_timestamp(self._session.get_expiry_date())
        absolute = conf.SESSIONKIT_ABSOLUTE_AGE
        if absolute is not None and self._figures.start:
            expiry = min(expiry, self._figures.start + absolute)
        return from_timestamp(expiry)

    @property
    def num_requests(self) -> int:
        return self._figures.requests

    @property
    def num_pages(self) -> int:
        return self._figures.pages

    @property
    def unique_pages(self) -> int:
        return self._figures.unique_pages

    @property
    def num_errors(self) -> int:
        return self._figures.errors

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [
            {"path": path, "status": status, "time": from_timestamp(t)}
            for path, status, t in self._figures.recent_errors
        ]

    @property
    def history(self) -> list[dict[str, Any]]:
        return [{"path": path, "time": from_timestamp(t)} for path, t in self._figures.history]

    @property
    def tracker(self) -> list[str]:
        return list(self._figures.tracker)

    @property
    def flash(self) -> Flash:
        return Flash(self._visit.flash)

    @property
    def user_agent(self) -> str:
        return user_agent(self._request)

    @property
    def ip_address(self) -> str | None:
        """The client's address (None when ``SESSIONKIT_STORE_IP`` is off)."""
        return client_ip(self._request)

    @property
    def user_id(self) -> str | None:
        """The signed-in user's id, read from the session (no database query)."""
        value = self._session.get(USER_KEY)
        return None if value is None else str(value)

    @property
    def properties(self) -> list[str]:
        # SessionBase has keys() but no __iter__, hence no plain "for key in session".
        return [key for key in self._session.keys() if not str(key).startswith("_")]  # noqa: SIM118

    def items(self) -> list[tuple[str, Any]]:
        """(name, value) of each custom property: ``{% for name, value in session.items %}``."""
        return [(key, self._session[key]) for key in self.properties]

    # --- custom properties ------------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        if name in FIELDS:
            return getattr(self, name)
        if not isinstance(name, str) or name.startswith("_") or name not in self._session:
            raise KeyError(name)
        return self._session[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in FIELDS:  # (a field that failed: not a property)
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.properties

    def __iter__(self) -> Iterator[str]:
        return iter(self.properties)

    def __len__(self) -> int:
        return len(self.properties)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<SessionView id={self.id!r} requests={self.num_requests}>"
