"""Sessions in the Django admin: read-only, with the tracking figures and an "end" action.

A session's primary key is its stored key, which without ``SESSIONKIT_HASH_KEYS`` is the very
value its cookie carries. So nothing this admin renders names a session by it: rows, links,
checkboxes and search all use the session's public id (``Session.public_id``), and only a
short prefix of that is shown. ``SESSIONKIT_ADMIN = False`` leaves sessions out of the admin.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessionkit.backends.base import end_session
from sessionkit.conf import conf
from sessionkit.keys import as_public_id, as_stored_key
from sessionkit.models import Session
from sessionkit.timestamps import from_timestamp
from sessionkit.tracking import Figures
from sessionkit.visit import FIGURES_KEY

USER_KEY = "_auth_user_id"

DETAIL_FIELDS = (
    "short_id",
    "user",
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


def _named_by_public_id(obj: Session) -> Session:
    """A copy of ``obj`` whose primary key reads as its public id, for Django's helpers that
    put ``obj.pk`` into a page (row links, action checkboxes)."""
    shown = copy.copy(obj)
    shown.pk = obj.public_id or ""
    return shown


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


class SessionChangeList(ChangeList):
    def url_for_result(self, result: Any) -> str:
        return super().url_for_result(_named_by_public_id(result))


class SessionAdmin(SessionModelAdmin):
    list_display = [
        "short_id",
        "user",
        "started",
        "expire_date",
        "requests",
        "pages",
        "errors",
        "is_active",
    ]
    list_filter = [ActiveFilter]
    search_fields = ["^public_id"]
    ordering = ["-expire_date"]
    date_hierarchy = "expire_date"
    actions = ["end_sessions"]
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS
    change_form_template = "admin/sessionkit/session/change_form.html"

    # --- sessions are named by their public id, never by their key ---------------------------

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Session | None:
        sid = as_public_id(unquote(object_id))
        return None if sid is None else self.get_queryset(request).filter(public_id=sid).first()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SessionChangeList

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """Without the popup mode: a popup's rows print each object's primary key for the
        opener, and the primary key may be the cookie key."""
        if IS_POPUP_VAR in request.GET:
            get = request.GET.copy()
            del get[IS_POPUP_VAR]
            request.GET = get  # type: ignore[assignment]
        return super().changelist_view(request, extra_context)

    def to_field_allowed(self, request: HttpRequest, to_field: str) -> bool:
        """No ``_to_field``: it would name rows by a field of the client's choosing, the key
        among them (Django answers 400)."""
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        """Only the state filter and the date hierarchy: a filter on any other field in the
        query string (``?session_key__startswith=a``) is an oracle that recovers keys one
        character at a time (Django answers 400)."""
        return lookup == ActiveFilter.parameter_name or lookup.split("__")[0] == "expire_date"

    def action_checkbox(self, obj: Session) -> SafeString:
        return super().action_checkbox(_named_by_public_id(obj))

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Session], *args: Any, **kwargs: Any
    ) -> Any:
        """The checkboxes carry public ids; Django's action machinery selects by primary key,
        which is looked up here, on the server."""
        post = request.POST.copy()
        ids = [
            sid
            for value in post.getlist(helpers.ACTION_CHECKBOX_NAME)
            if (sid := as_public_id(value))
        ]
        keys = queryset.model._default_manager.filter(public_id__in=ids).values_list(
            "pk", flat=True
        )
        post.setlist(helpers.ACTION_CHECKBOX_NAME, list(keys))
        request.POST = post  # type: ignore[assignment]
        return super().response_action(request, queryset, *args, **kwargs)

    # --- columns -----------------------------------------------------------------------------

    def _decoded(self, obj: Session) -> dict[str, Any]:
        cache = getattr(obj, "_sessionkit_decoded", None)
        if cache is None:
            cache = obj.get_decoded()
            obj._sessionkit_decoded = cache  # type: ignore[attr-defined]
        return dict(cache)

    def _figures(self, obj: Session) -> Figures:
        return Figures.load(self._decoded(obj).get(FIGURES_KEY))

    @admin.display(description=_("session"), ordering="public_id")
    def short_id(self, obj: Session) -> str:
        return str(obj)

    @admin.display(description=_("user id"))
    def user(self, obj: Session) -> str:
        return str(self._decoded(obj).get(USER_KEY, "—"))

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
        text = json.dumps(self._decoded(obj), indent=2, sort_keys=True, default=str)
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)

    # --- ending sessions: through the one way, never by deleting rows ------------------------

    @admin.action(description=_("End the selected sessions"), permissions=["end"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        """End each session the way a logout does: the store forgets it (cached_db's cache
        too) and its row in the inventory of signed-in sessions goes."""
        ended = 0
        for key in queryset.values_list("session_key", flat=True):
            stored = as_stored_key(key)
            if stored is not None:
                end_session(stored)
                ended += 1
        message = ngettext("Ended %d session.", "Ended %d sessions.", ended) % ended
        self.message_user(request, message, messages.SUCCESS)

    def has_end_permission(self, request: HttpRequest) -> bool:
        return super().has_delete_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the "end" action ends sessions; a bare row delete would skip the cache


if conf.SESSIONKIT_ADMIN:
    admin.site.register(Session, SessionAdmin)
