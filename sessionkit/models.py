from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from sessionkit.keys import CookieKey, cookie_key, stored_key

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


class SessionManager(BaseSessionManager["Session"]):
    use_in_migrations = True

    def for_key(self, session_key: CookieKey | str) -> models.QuerySet[Session]:
        """The session whose cookie carries ``session_key``, hashed or not at rest.

        ``Session.objects.for_key(key).get().get_decoded()`` works with and without
        ``SESSIONKIT_HASH_KEYS`` (where ``get(pk=key)`` only works without).
        """
        key = cookie_key(session_key)
        return self.filter(pk=stored_key(key)) if key is not None else self.none()


class Session(AbstractBaseSession):
    """A stored session of the ``sessionkit.backends.db`` and ``cached_db`` engines.

    Same columns as Django's ``django_session`` plus ``version``, which changes on every write
    so that writes can be made conditional without another migration.
    """

    # Indexed together with the key (rather than alone, as in Django): cleanup walks expired
    # rows in (expire_date, session_key) order, batch by batch, even when many share a time.
    expire_date = models.DateTimeField(_("expire date"))
    version = models.PositiveBigIntegerField(_("version"), default=0)
    public_id = models.CharField(_("public id"), max_length=40, null=True, unique=True)
    """The session's public id (sessionkit.keys.public_id of its key), written when the row is
    created, so that the admin can name a session without showing its key."""

    objects: ClassVar[SessionManager] = SessionManager()

    class Meta(AbstractBaseSession.Meta):
        db_table = "sessionkit_session"
        indexes = [
            models.Index(fields=["expire_date", "session_key"], name="sessionkit_expiry_idx"),
        ]

    def __str__(self) -> str:
        # Django's shows the session key: a credential when keys are not hashed.
        return f"{(self.public_id or '')[:8]}…"

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from sessionkit.backends.db import SessionStore

        return SessionStore


class SessionRecord(models.Model):
    """The inventory: one small row per signed-in session, beside the session, not inside it.

    Works whatever the session engine. Keyed by the session's public id (a keyed hash of
    its key, see sessionkit.keys); ``store_key`` is what the store keeps the session under —
    the same hash when ``SESSIONKIT_HASH_KEYS`` is on, so then no key is kept here either.
    """

    session_id = models.CharField(_("session id"), max_length=40, primary_key=True)
    store_key = models.CharField(_("stored as"), max_length=40, db_index=True)
    user_id = models.CharField(_("user id"), max_length=255, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created = models.DateTimeField(_("signed in"))
    last_seen = models.DateTimeField(_("last seen"))
    expire_date = models.DateTimeField(_("expire date"))

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.session_id[:8]}… ({self.user_agent[:40] or 'unknown browser'})"


class SignOut(models.Model):
    """When a user last signed out everywhere: their sessions signed in before that are ended.

    Checked whenever a signed-in session writes its inventory row (on sign-in, at least every
    ``SESSIONKIT_INVENTORY_INTERVAL`` seconds, and on every request while its row is missing),
    so "sign out everywhere" reaches sessions that are missing from the inventory too.
    """

    user_id = models.CharField(_("user id"), max_length=255, primary_key=True)
    cutoff = models.DateTimeField(_("signed out everywhere at"))

    class Meta:
        verbose_name = _("sign-out everywhere")
        verbose_name_plural = _("sign-outs everywhere")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.cutoff}"
