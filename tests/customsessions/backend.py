"""The custom engine of Django's docs ("Extending database-backed session engines"), on
sessionkit's db engine instead of Django's."""

from __future__ import annotations

from typing import Any

from sessionkit.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from tests.customsessions.models import CustomSession

        return CustomSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        obj: Any = super().create_model_instance(data)
        try:
            account_id = int(data.get("_auth_user_id"))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            account_id = None
        obj.account_id = account_id
        return obj
