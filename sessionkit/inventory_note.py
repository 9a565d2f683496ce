"""The inventory's note inside a signed-in session, and the decision to write its row.

No I/O and no models here: the middleware decides with these on every request (most requests:
nothing to write) and imports the inventory's models only when a row must be written.
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass, replace
from typing import Any

from django.apps import apps
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from sessionkit.client import client_ip, user_agent
from sessionkit.conf import conf
from sessionkit.keys import PublicId, StoredKey, as_public_id, as_stored_key, public_id
from sessionkit.timestamps import to_timestamp

NOTE_KEY = "_sessionkit_inventory"
"""The reserved session key of the inventory's note about this session (see :class:`Note`)."""
USER_KEY = "_auth_user_id"  # django.contrib.auth's SESSION_KEY


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# --- the note inside the session, and the decision to write (no I/O) --------------------------


@dataclass(frozen=True, slots=True)
class Note:
    """What the inventory knows about one signed-in session, kept inside it."""

    user_id: str
    signed_in: float
    """When the session signed in (shown as "signed in"; kept across key rotations)."""
    epoch: float
    """Sign-outs everywhere from before this moment end the session; 0 when unknown."""
    synced: PublicId | None = None
    """The row last written for the session (None: not yet, or the write failed)."""
    ip: str | None = None
    agent: str = ""
    """A digest of the user agent, as written."""
    synced_at: float = 0.0
    expires: float = 0.0
    """The expiry the row was written with (POSIX seconds)."""

    def dump(self) -> list[Any]:
        return [
            self.user_id,
            self.signed_in,
            self.epoch,
            self.synced,
            self.ip,
            self.agent,
            self.synced_at,
            self.expires,
        ]

    @classmethod
    def load(cls, raw: Any) -> Note | None:
        try:
            user_id, signed_in, epoch, synced, ip, agent, synced_at, *rest = raw
            return cls(
                str(user_id),
                float(signed_in),
                float(epoch),
                as_public_id(synced),
                None if ip is None else str(ip),
                str(agent),
                float(synced_at),
                float(rest[0]) if rest else 0.0,
            )
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class Sync:
    """A write the inventory needs, decided without I/O; done by :func:`apply`."""

    session_id: PublicId
    store_key: StoredKey
    note: Note
    """The note to keep once the row is written."""
    previous: Note | None
    """The note as it was (None for a session new to the inventory)."""
    user_agent: str
    expire_date: Any


class Outcome(enum.Enum):
    WRITTEN = "written"
    SIGNED_OUT = "signed out"
    """The user signed out everywhere after this session signed in: end it."""
    FAILED = "failed"


def needs_sync(request: HttpRequest, session: SessionBase, *, now: float) -> Sync | None:
    """The inventory write this signed-in session needs now, if any (most requests: none).

    A session found signed in without a note of its own user (:func:`signed_in` leaves one at
    every sign-in) signed in at an unknown time — before the inventory knew it — which sign-outs
    everywhere treat as long ago.
    """
    if not conf.SESSIONKIT_INVENTORY:
        return None
    user_id = session.get(USER_KEY)
    stored = as_stored_key(getattr(session, "stored_key", session.session_key))
    if user_id is None or stored is None or not apps.is_installed("sessionkit"):
        return None  # (without the app, a file or cache engine keeps no inventory)
    sid = public_id(stored)
    # No server name and no client address: a request built outside any server (force_login).
    outside = "SERVER_NAME" not in request.META and "REMOTE_ADDR" not in request.META
    ip, agent = (None, UNKNOWN_AGENT) if outside else (client_ip(request), None)
    note = Note.load(session.get(NOTE_KEY))
    expiry = session.get_expiry_date()
    interval = conf.SESSIONKIT_INVENTORY_INTERVAL
    if note is not None and note.user_id == str(user_id):
        if (
            note.synced == sid
            and (note.agent == UNKNOWN_AGENT or _same_client(note, ip, request))
            and now - note.synced_at < interval
            # A set_expiry() after the sign-in ("remember me"): the row must not expire first.
            and to_timestamp(expiry) - note.expires <= interval
        ):
            return None
        kept = note
    else:
        kept = Note(str(user_id), signed_in=now, epoch=0.0)
    shown_agent = user_agent(request) if agent is None else ""
    wanted = replace(
        kept,
        synced=sid,
        ip=ip,
        agent=agent or _digest(shown_agent),
        synced_at=now,
        expires=to_timestamp(expiry),
    )
    return Sync(sid, stored, wanted, note, shown_agent, expiry)


UNKNOWN_AGENT = "?"
"""The note's agent for a sign-in outside any client's request (the test client's
``force_login`` builds an empty request): the address and agent are filled in at the next
refresh, not by a write on the very next request."""


def _same_client(note: Note, ip: str | None, request: HttpRequest) -> bool:
    return note.ip == ip and note.agent == _digest(user_agent(request))


def unlisted(data: dict[str, Any], stored: StoredKey) -> tuple[str, float] | None:
    """(user id, epoch) of a signed-in session the inventory may not list (no row written
    for it yet, or the write failed): "sign out everywhere" cannot end it by its row, so a load
    checks the sign-out cutoff itself. None for an anonymous or listed session."""
    user_id = data.get(USER_KEY)
    if user_id is None:
        return None
    note = Note.load(data.get(NOTE_KEY))
    if note is None or note.user_id != str(user_id):
        return str(user_id), 0.0
    if note.synced != public_id(stored):
        return note.user_id, note.epoch
    if time.time() - note.synced_at >= conf.SESSIONKIT_INVENTORY_INTERVAL:
        return note.user_id, note.epoch  # as a tracked request would check it now
    return None


def signed_in(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the session signed in now; sign-outs everywhere from
    before this moment do not end it. Its row is written now, with the sign-in's own writes
    (so the requests after it have nothing to write), unless a transaction is open that
    could roll the row back: then at the end of the request."""
    session: SessionBase | None = getattr(request, "session", None)
    if request is None or session is None or not conf.SESSIONKIT_INVENTORY:
        return
    user_id = session.get(USER_KEY)
    if user_id is None:
        return
    now = time.time()
    session[NOTE_KEY] = Note(str(user_id), signed_in=now, epoch=now).dump()
    sync = needs_sync(request, session, now=now)
    if sync is not None:
        from sessionkit.inventory import apply_at_sign_in  # the models: the app is there

        outcome = apply_at_sign_in(sync, request)
        if outcome is not None:
            record(session, sync, outcome)
            if outcome is Outcome.WRITTEN:
                # Should the view fail after this, its changes (the sign-in) are discarded:
                # the middleware drops this row with them.
                request.sessionkit_signed_in_row = sync.store_key  # type: ignore[attr-defined]


def record(session: SessionBase, sync: Sync, outcome: Outcome) -> None:
    """Keep in the session what was written (or, if the write failed, that it was not)."""
    if outcome is Outcome.WRITTEN:
        session[NOTE_KEY] = sync.note.dump()
    elif outcome is Outcome.FAILED:
        session[NOTE_KEY] = replace(sync.note, synced=None).dump()
