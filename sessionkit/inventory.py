"""Know your sessions: which sessions a user is signed in with, and ending them.

The middleware keeps one small row per signed-in session (``SessionRecord``: user, IP address,
user agent, signed in, last seen), whatever the session engine. It writes it when a session
signs in, changes IP address or browser, has its key rotated, or — at most every
``SESSIONKIT_INVENTORY_INTERVAL`` seconds — to refresh "last seen"; a note inside the session
says when it last did, so the other requests cost no query at all. A write that fails is tried
again on the session's next request; it never fails the page.

    sessions_for(user)          the user's live sessions, most recently seen first
    end(public_id)              end one (that browser is signed out on its next request)
    end_all_except(request)     sign out everywhere else

"Sign out everywhere else" does not depend on the rows alone: it also records the moment
(``SignOut``), and every inventory write first checks it, so a session whose row is missing —
its write failed, or it was in flight — is signed out when it next writes its row (on its
next request when the row is missing, within ``SESSIONKIT_INVENTORY_INTERVAL`` otherwise).
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone

from sessionkit import signals
from sessionkit.backends.base import end_session, from_timestamp
from sessionkit.conf import conf
from sessionkit.keys import PublicId, StoredKey, as_public_id, as_stored_key, public_id
from sessionkit.models import SessionRecord, SignOut

NOTE_KEY = "_sessionkit_inventory"
"""The reserved session key of the inventory's note about this session (see :class:`Note`)."""
USER_KEY = "_auth_user_id"  # django.contrib.auth's SESSION_KEY
MAX_USER_AGENT_LENGTH = 300

logger = logging.getLogger("sessionkit.inventory")


# --- what is stored about the client -----------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when unknown or ``SESSIONKIT_STORE_IP`` is off.

    Behind proxies, set ``SESSIONKIT_IP_HEADER`` to the header they append to (for example
    ``"HTTP_X_FORWARDED_FOR"``) and ``SESSIONKIT_TRUSTED_PROXIES`` to how many of them there
    are: each appends the address it was connected from, so the client's address is that many
    entries from the right. Anything left of it was written by the client and is not believed.
    """
    if not conf.SESSIONKIT_STORE_IP:
        return None
    header = conf.SESSIONKIT_IP_HEADER
    if header is None:
        return parse_address(request.META.get("REMOTE_ADDR"))
    hops = str(request.META.get(header, "")).split(",")
    trusted = conf.SESSIONKIT_TRUSTED_PROXIES
    return parse_address(hops[-trusted]) if 0 < trusted <= len(hops) else None


def parse_address(value: object) -> str | None:
    """``value`` as a normalised IP address (a port or IPv6 zone dropped), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.9:51234
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text.split("%")[0]))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    """The client's user agent, without control characters, at most 300 characters."""
    text = str(request.headers.get("user-agent", ""))
    return "".join(ch for ch in text if ch.isprintable())[:MAX_USER_AGENT_LENGTH]


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

    def dump(self) -> list[Any]:
        return [
            self.user_id,
            self.signed_in,
            self.epoch,
            self.synced,
            self.ip,
            self.agent,
            self.synced_at,
        ]

    @classmethod
    def load(cls, raw: Any) -> Note | None:
        try:
            user_id, signed_in, epoch, synced, ip, agent, synced_at = raw
            return cls(
                str(user_id),
                float(signed_in),
                float(epoch),
                as_public_id(synced),
                None if ip is None else str(ip),
                str(agent),
                float(synced_at),
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


def needs_sync(
    request: HttpRequest, session: SessionBase, *, now: float, signing_in: bool = False
) -> Sync | None:
    """The inventory write this signed-in session needs now, if any (most requests: none).

    ``signing_in``: the user id appeared or changed during this request (a sign-in), so the
    session signed in now; a session found signed in without a note signed in at an unknown
    time (before the inventory knew it), which sign-outs everywhere treat as long ago.
    """
    if not conf.SESSIONKIT_INVENTORY:
        return None
    user_id = session.get(USER_KEY)
    stored = as_stored_key(getattr(session, "stored_key", session.session_key))
    if user_id is None or stored is None:
        return None
    sid = public_id(stored)
    ip, agent = client_ip(request), user_agent(request)
    note = Note.load(session.get(NOTE_KEY))
    if note is not None and note.user_id == str(user_id) and not signing_in:
        if (
            note.synced == sid
            and note.ip == ip
            and note.agent == _digest(agent)
            and now - note.synced_at < conf.SESSIONKIT_INVENTORY_INTERVAL
        ):
            return None
        kept = note
    else:
        kept = Note(str(user_id), signed_in=now, epoch=now if signing_in else 0.0)
    wanted = replace(kept, synced=sid, ip=ip, agent=_digest(agent), synced_at=now)
    return Sync(sid, stored, wanted, note, agent, session.get_expiry_date())


def record(session: SessionBase, sync: Sync, outcome: Outcome) -> None:
    """Keep in the session what was written (or, if the write failed, that it was not)."""
    if outcome is Outcome.WRITTEN:
        session[NOTE_KEY] = sync.note.dump()
    elif outcome is Outcome.FAILED:
        session[NOTE_KEY] = replace(sync.note, synced=None).dump()


# --- writing the row (I/O) ---------------------------------------------------------------------


def apply(sync: Sync, request: HttpRequest) -> Outcome:
    """Write the row, unless the user signed out everywhere since the session signed in.

    Follows a key rotation (the old row goes), sends the change signals, and never raises:
    a failure is logged and reported as ``Outcome.FAILED``.
    """
    try:
        written = _write(sync)
    except Exception:
        logger.exception("Could not update the session inventory; will try again.")
        return Outcome.FAILED
    if not written:
        return Outcome.SIGNED_OUT
    _signal(sync, request)
    return Outcome.WRITTEN


def _write(sync: Sync) -> bool:
    note, previous = sync.note, sync.previous
    using = router.db_for_write(SessionRecord)
    with _atomic(using):
        cutoff = from_timestamp(note.epoch)
        if SignOut.objects.using(using).filter(user_id=note.user_id, cutoff__gt=cutoff).exists():
            return False
        if previous is not None and previous.synced not in (None, sync.session_id):
            SessionRecord.objects.using(using).filter(pk=previous.synced).delete()
        SessionRecord.objects.using(using).bulk_create(
            [
                SessionRecord(
                    session_id=sync.session_id,
                    store_key=sync.store_key,
                    user_id=note.user_id,
                    ip_address=note.ip,
                    user_agent=sync.user_agent,
                    created=from_timestamp(note.signed_in),
                    last_seen=from_timestamp(note.synced_at),
                    expire_date=sync.expire_date,
                )
            ],
            update_conflicts=True,
            unique_fields=["session_id"],
            update_fields=[
                "store_key",
                "user_id",
                "ip_address",
                "user_agent",
                "last_seen",
                "expire_date",
            ],
        )
    return True


def _atomic(using: str) -> Any:
    """A savepoint when already inside a transaction (so a failure does not poison it);
    otherwise nothing: each statement commits on its own, with no BEGIN/COMMIT round trips."""
    if connections[using].in_atomic_block:
        return transaction.atomic(using=using)
    return _Nothing()


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _signal(sync: Sync, request: HttpRequest) -> None:
    previous, note = sync.previous, sync.note
    if previous is None or previous.user_id != note.user_id or previous.synced is None:
        return
    common = {"request": request, "session_id": sync.session_id, "user_id": note.user_id}
    if previous.ip != note.ip:
        signals.session_ip_changed.send(
            sender=SessionRecord, old=previous.ip, new=note.ip, **common
        )
    if previous.agent != note.agent:
        signals.session_user_agent_changed.send(
            sender=SessionRecord, old=None, new=sync.user_agent, **common
        )


def forget(stored: StoredKey) -> None:
    """Drop the row of the session kept under ``stored`` (it was ended). Never raises."""
    using = router.db_for_write(SessionRecord)
    try:
        with _atomic(using):
            SessionRecord.objects.using(using).filter(store_key=stored).delete()
    except Exception:
        logger.exception("Could not drop the inventory row of an ended session.")


def delete_expired_rows(*, dry_run: bool = False, batch_size: int | None = None) -> int:
    """Delete the rows of sessions that have expired; return how many (with ``dry_run``, how
    many would go).

    A row's expiry is the session's as of the row's last write, and a session extends its
    expiry on every request but writes its row at most every ``SESSIONKIT_INVENTORY_INTERVAL``
    seconds: a row is therefore deleted once that interval has passed after its own expiry.
    """
    deadline = timezone.now() - timedelta(seconds=conf.SESSIONKIT_INVENTORY_INTERVAL)
    expired = SessionRecord.objects.filter(expire_date__lte=deadline)
    if dry_run:
        return expired.count()
    batch = batch_size or conf.SESSIONKIT_CLEANUP_BATCH_SIZE
    deleted = 0
    while keys := list(expired.values_list("pk", flat=True)[:batch]):
        count, _ = SessionRecord.objects.filter(pk__in=keys).delete()
        deleted += count
    return deleted


# --- reading and ending ------------------------------------------------------------------------


def sessions_for(user: Any) -> list[SessionRecord]:
    """The user's live signed-in sessions, most recently seen first."""
    return list(SessionRecord.objects.filter(user_id=str(user.pk), expire_date__gt=timezone.now()))


def end(sid: PublicId) -> bool:
    """End the session with public id ``sid``: the store forgets it, its row goes.

    That browser is signed out on its next request. Returns whether there was such a session.
    """
    row = SessionRecord.objects.filter(pk=sid).first()
    if row is None:
        return False
    stored = as_stored_key(row.store_key)
    if stored is None:
        row.delete()
    else:
        end_session(stored)  # its row goes with it
    return True


def end_all_except(request: HttpRequest) -> int:
    """Sign the request's user out everywhere but in this session; return how many ended.

    Records the moment first (``SignOut``), so that sessions missing from the inventory are
    signed out too when they next write their row; then ends every session in it but this one.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    now = time.time()
    user_id = str(user.pk)
    SignOut.objects.update_or_create(user_id=user_id, defaults={"cutoff": from_timestamp(now)})
    session = request.session
    note = Note.load(session.get(NOTE_KEY)) or Note(user_id, signed_in=now, epoch=now)
    session[NOTE_KEY] = replace(note, epoch=now).dump()
    stored = as_stored_key(getattr(session, "stored_key", session.session_key))
    current = public_id(stored) if stored is not None else None
    ended = 0
    for row in SessionRecord.objects.filter(user_id=user_id).exclude(pk=current):
        try:
            if end(PublicId(row.session_id)):
                ended += 1
        except Exception:
            logger.exception(
                "Could not end session %s… of user %s; it is signed out when it next "
                "writes its inventory row.",
                row.session_id[:8],
                user_id,
            )
    return ended
