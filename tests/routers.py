"""Sends the session models (sessionkit's, and Django's for side-by-side runs) to the database
the engine under test is meant to use."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

SESSION_DB: ContextVar[str] = ContextVar("SESSION_DB", default="default")


class SessionRouter:
    def _route(self, model: type[Any], **hints: Any) -> str | None:
        label = model._meta.app_label
        return SESSION_DB.get() if label in ("sessionkit", "sessions", "customsessions") else None

    db_for_read = _route
    db_for_write = _route

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None
