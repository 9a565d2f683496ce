"""Sessions in the Django admin: read-only, with the tracking figures and an "end" action."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessionkit.backends.base import from_timestamp
from sessionkit.models import Session
from sessionkit.tracking import Figures
from sessionkit.visit import FIGURES_KEY

DETAIL_FIELDS = (
    "session_key",
    "expire_date",
    "started",
    "requests",
    "pages",
    "unique",
    "errors",
    "data",
)

if TYPE_CHECKING:
    SessionModelAdmin = admin.ModelAdmin[Session]
else:  # ModelAdmin is generic only in django-stubs
    SessionModelAdmin = admin.ModelAdmin


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("active", _("Active")), ("expired", _("Expired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(expire_date__gt=now)
        if self.value() == "expired":
            return queryset.filter(expire_date__lte=now)
        return queryset


@admin.register(Session)
class SessionAdmin(SessionModelAdmin):
    list_display = [
        "short_key",
        "started",
        "expire_date",
        "requests",
        "pages",
        "errors",
        "is_active",
    ]
    list_filter = [ActiveFilter]
    search_fields = ["^session_key"]
    ordering = ["-expire_date"]
    date_hierarchy = "expire_date"
    actions = ["end_sessions"]
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS

    def _figures(self, obj: Session) -> Figures:
        cache = getattr(obj, "_sessionkit_decoded", None)
        if cache is None:
            cache = obj.get_decoded()
            obj._sessionkit_decoded = cache  # type: ignore[attr-defined]
        return Figures.load(cache.get(FIGURES_KEY))

    @admin.display(description=_("key"), ordering="session_key")
    def short_key(self, obj: Session) -> str:
        return f"{obj.session_key[:8]}…"

    @admin.display(description=_("started"))
    def started(self, obj: Session) -> datetime | None:
        start = self._figures(obj).start
        return from_timestamp(start) if start else None

    @admin.display(description=_("requests"))
    def requests(self, obj: Session) -> int:
        return self._figures(obj).requests

    @admin.display(description=_("pages"))
    def pages(self, obj: Session) -> int:
        return self._figures(obj).pages

    @admin.display(description=_("unique pages"))
    def unique(self, obj: Session) -> int:
        return self._figures(obj).unique_pages

    @admin.display(description=_("errors"))
    def errors(self, obj: Session) -> int:
        return self._figures(obj).errors

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, obj: Session) -> bool:
        return obj.expire_date > timezone.now()

    @admin.display(description=_("session data"))
    def data(self, obj: Session) -> str:
        self._figures(obj)
        decoded = obj._sessionkit_decoded  # type: ignore[attr-defined]
        text = json.dumps(decoded, indent=2, sort_keys=True, default=str)
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    @admin.action(description=_("End the selected sessions"), permissions=["delete"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        """Delete through the engine, so cached_db's cache forgets them too."""
        keys = list(queryset.values_list("session_key", flat=True))
        engine = settings.SESSION_ENGINE
        if engine in ("sessionkit.backends.db", "sessionkit.backends.cached_db"):
            store = import_module(engine).SessionStore()
            for key in keys:
                store.delete(key)
        else:
            queryset.delete()
        message = ngettext("Ended %d session.", "Ended %d sessions.", len(keys)) % len(keys)
        self.message_user(request, message, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
