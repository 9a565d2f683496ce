from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


class SessionManager(BaseSessionManager["Session"]):
    use_in_migrations = True


class Session(AbstractBaseSession):
    """A stored session of the ``sessionkit.backends.db`` and ``cached_db`` engines.

    Same columns as Django's ``django_session`` plus ``version``, which changes on every write
    so that writes can be made conditional without another migration.
    """

    # Indexed together with the key (rather than alone, as in Django): cleanup walks expired
    # rows in (expire_date, session_key) order, batch by batch, even when many share a time.
    expire_date = models.DateTimeField(_("expire date"))
    version = models.PositiveBigIntegerField(_("version"), default=0)

    objects: ClassVar[SessionManager] = SessionManager()

    class Meta(AbstractBaseSession.Meta):
        db_table = "sessionkit_session"
        indexes = [
            models.Index(fields=["expire_date", "session_key"], name="sessionkit_expiry_idx"),
        ]

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from sessionkit.backends.db import SessionStore

        return SessionStore
