"""Sends both session models (Django's and sessionkit's) to the database under measurement."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

SESSION_DB: ContextVar[str] = ContextVar("SESSION_DB", default="default")


class SessionRouter:
    def _route(self, model: type[Any], **hints: Any) -> str | None:
        return SESSION_DB.get() if model._meta.app_label in ("sessions", "sessionkit") else None

    db_for_read = _route
    db_for_write = _route
