from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionkitConfig(AppConfig):
    name = "sessionkit"
    verbose_name = _("Sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sessionkit import checks  # noqa: F401  (registers the system checks)
