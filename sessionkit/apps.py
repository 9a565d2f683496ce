from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionkitConfig(AppConfig):
    name = "sessionkit"
    verbose_name = _("Sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from sessionkit import checks  # noqa: F401  (registers the system checks)
        from sessionkit.inventory_note import signed_in

        user_logged_in.connect(signed_in, dispatch_uid="sessionkit.inventory_note.signed_in")
