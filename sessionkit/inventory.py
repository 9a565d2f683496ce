"""Know your sessions: which sessions a user is signed in with, and ending them.

The middleware keeps one small row per signed-in session (``SessionRecord``: user, IP address,
user agent, signed in, last seen), whatever the session engine. It writes it when a session
signs in, changes IP address or browser, has its key rotated, or — at most every
``SESSIONKIT_INVENTORY_INTERVAL`` seconds — to refresh "last seen"; a note inside the session
says when it last did, so the other requests cost no query at all.

    sessions_for(user)          the user's live sessions, most recently seen first
    end(session_id)             end one (that browser is signed out on its next request)
    end_all_except(request)     end all of the request's user's sessions but this one
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from sessionkit import signals
from sessionkit.conf import conf
from sessionkit.keys import session_id, stored_key
from sessionkit.models import SessionRecord

NOTE_KEY = "_sessionkit_inventory"
"""The reserved session key of the note: [session id, user id, IP, user agent digest, time]."""
USER_KEY = "_auth_user_id"  # django.contrib.auth's SESSION_KEY


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when ``SESSIONKIT_STORE_IP`` is off.

    Behind a proxy, set ``SESSIONKIT_IP_HEADER`` to the header it sets (for example
    ``"HTTP_X_FORWARDED_FOR"``); its first address is used. Trust only a header your own
    proxy sets: a client can send any header.
    """
    if not conf.SESSIONKIT_STORE_IP:
        return None
    header = conf.SESSIONKIT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    address = str(value).split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None
    return address


def user_agent(request: HttpRequest) -> str:
    return str(request.headers.get("user-agent", ""))[:300]


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Sync:
    """A write the inventory needs, decided without I/O; done by :func:`apply`."""

    session_id: str
    store_key: str
    user_id: str
    ip_address: str | None
    user_agent: str
    expire_date: datetime
    previous: list[Any] | None
    """The note as it was, or None for a session new to the inventory."""


def check(request: HttpRequest, session: Any) -> Sync | None:
    """Whether this signed-in session's row needs writing; updates the note if so. No I/O."""
    if not conf.SESSIONKIT_INVENTORY or session.session_key is None:
        return None
    user_id = session.get(USER_KEY)
    if user_id is None:
        return None
    key = session.session_key
    sid, ip, agent = session_id(key), client_ip(request), user_agent(request)
    note = session.get(NOTE_KEY)
    now = time.time()
    current = [sid, str(user_id), ip, _digest(agent)]
    if (
        isinstance(note, list)
        and len(note) == 5
        and note[:4] == current
        and now - note[4] < conf.SESSIONKIT_INVENTORY_INTERVAL
    ):
        return None
    session[NOTE_KEY] = [*current, now]
    return Sync(
        sid,
        stored_key(key),
        str(user_id),
        ip,
        agent,
        session.get_expiry_date(),
        note if isinstance(note, list) and len(note) == 5 else None,
    )


def apply(sync: Sync, request: HttpRequest) -> None:
    """Write the row; follow a key rotation; send the change signals."""
    now = timezone.now()
    previous = sync.previous
    created = now
    if previous is not None and previous[0] != sync.session_id:  # the key was rotated
        old = SessionRecord.objects.filter(pk=previous[0]).first()
        if old is not None:
            created = old.created if old.user_id == sync.user_id else now
            old.delete()
    values = {
        "store_key": sync.store_key,
        "user_id": sync.user_id,
        "ip_address": sync.ip_address,
        "user_agent": sync.user_agent,
        "last_seen": now,
        "expire_date": sync.expire_date,
    }
    SessionRecord.objects.update_or_create(
        session_id=sync.session_id,
        defaults=values,
        create_defaults={**values, "created": created},
    )
    if previous is None or previous[1] != sync.user_id:
        return
    common = {
        "request": request,
        "session_id": sync.session_id,
        "user_id": sync.user_id,
    }
    if previous[2] != sync.ip_address:
        signals.session_ip_changed.send(
            sender=SessionRecord, old=previous[2], new=sync.ip_address, **common
        )
    if previous[3] != _digest(sync.user_agent):
        signals.session_user_agent_changed.send(
            sender=SessionRecord, old=None, new=sync.user_agent, **common
        )


def forget(key: str) -> None:
    """Drop the row of a session that ended here (a logout, a revoked consent)."""
    if conf.SESSIONKIT_INVENTORY:
        SessionRecord.objects.filter(pk=session_id(key)).delete()


def sessions_for(user: Any) -> list[SessionRecord]:
    """The user's live signed-in sessions, most recently seen first."""
    return list(SessionRecord.objects.filter(user_id=str(user.pk), expire_date__gt=timezone.now()))


def end(sid: str) -> bool:
    """End the session with public id ``sid``: delete it from the store and the inventory.

    That browser is signed out on its next request. Returns whether there was such a session.
    """
    row = SessionRecord.objects.filter(pk=sid).first()
    if row is None:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    if hasattr(store, "delete_stored"):
        store.delete_stored(row.store_key)
    else:
        store.delete(row.store_key)
    row.delete()
    return True


def end_all_except(request: HttpRequest) -> int:
    """End every session of the request's user but the request's own; return how many."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    key = request.session.session_key
    current = session_id(key) if key else None
    ended = 0
    for row in sessions_for(user):
        if row.session_id != current and end(row.session_id):
            ended += 1
    return ended
