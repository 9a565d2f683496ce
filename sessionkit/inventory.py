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

import logging
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone

from sessionkit import signals
from sessionkit.backends.base import end_session
from sessionkit.conf import conf
from sessionkit.exceptions import hint_for
from sessionkit.inventory_note import (
    NOTE_KEY,
    Note,
    Outcome,
    Sync,
)
from sessionkit.keys import PublicId, StoredKey, as_stored_key, public_id
from sessionkit.models import SessionRecord, SignOut
from sessionkit.timestamps import from_timestamp
from sessionkit.transactions import may_roll_back

logger = logging.getLogger("sessionkit.inventory")


# --- writing the row (I/O) ---------------------------------------------------------------------


def apply(sync: Sync, request: HttpRequest) -> Outcome:
    """Write the row, unless the user signed out everywhere since the session signed in.

    Follows a key rotation (the old row goes), sends the change signals, and never raises:
    a failure is logged and reported as ``Outcome.FAILED``.
    """
    try:
        written = _write(sync)
    except Exception as exc:
        logger.exception(
            "Could not update the session inventory; will try again.%s", hint_for(exc)
        )
        return Outcome.FAILED
    if not written:
        return Outcome.SIGNED_OUT
    _signal(sync, request)
    return Outcome.WRITTEN


def apply_at_sign_in(sync: Sync, request: HttpRequest) -> Outcome | None:
    """:func:`apply` at sign-in, unless a transaction (``ATOMIC_REQUESTS``, a view's
    ``atomic()``) could roll the row back: None then, and the middleware writes it after the
    view. (A test case's own transaction counts as committed.)"""
    if may_roll_back(router.db_for_write(SessionRecord)):
        return None
    return apply(sync, request)


def _write(sync: Sync) -> bool:
    using = router.db_for_write(SessionRecord)
    # The row first, the sign-out check after: a "sign out everywhere" that runs meanwhile
    # either sees this row (and ends its session) or is seen by the check (and the row goes).
    # The check runs even when the row could not be written: that session is signed out too.
    try:
        _upsert(sync, using)
    except Exception:
        if _signed_out(sync, using):
            return False
        raise
    if _signed_out(sync, using):
        SessionRecord.objects.using(using).filter(pk=sync.session_id).delete()
        return False
    return True


def _signed_out(sync: Sync, using: str) -> bool:
    return signed_out(sync.note.user_id, sync.note.epoch, using)


def signed_out(user_id: str, epoch: float, using: str | None = None) -> bool:
    """Whether ``user_id`` signed out everywhere after ``epoch`` (POSIX seconds)."""
    using = using or router.db_for_write(SignOut)
    rows = SignOut.objects.using(using).filter(user_id=user_id, cutoff__gt=from_timestamp(epoch))
    return rows.exists()


def _upsert(sync: Sync, using: str) -> None:
    note, previous = sync.note, sync.previous
    with _atomic(using):
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


def forget(*stored: StoredKey) -> None:
    """Drop the row of the session kept under ``stored`` (it was ended). Never raises."""
    using = router.db_for_write(SessionRecord)
    try:
        with _atomic(using):
            SessionRecord.objects.using(using).filter(store_key__in=stored).delete()
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
