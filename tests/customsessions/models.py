"""Django's documented way to extend the db engine, on sessionkit's: a session model of your
own with an extra field, filled by ``create_model_instance()`` (as in Django's docs)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class CustomSession(AbstractBaseSession):
    account_id = models.IntegerField(null=True, db_index=True)

    class Meta:
        app_label = "customsessions"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from tests.customsessions.backend import SessionStore

        return SessionStore
