"""Views under ``include("sessionkit.urls")``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sessionkit import consent as consent_api
from sessionkit.keys import PublicId, as_public_id, as_stored_key, public_id


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.headers.get("referer") or "/"
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_POST
def consent(request: HttpRequest) -> HttpResponseBase:
    """A consent banner's form posts here: ``action`` is ``grant`` or ``revoke``.

    Redirects to ``next`` (or the referring page) when it is on this site, else to ``/``.
    """
    action = request.POST.get("action")
    if action not in ("grant", "revoke"):
        return HttpResponseBadRequest("action must be 'grant' or 'revoke'")
    response = HttpResponseRedirect(_next_url(request))
    if action == "grant":
        consent_api.grant(request, response)
    else:
        consent_api.revoke(request, response)
    return response


def _current(request: HttpRequest) -> PublicId | None:
    session = request.session
    stored = as_stored_key(getattr(session, "stored_key", None) or session.session_key)
    return public_id(stored) if stored is not None else None


@login_required
def sessions(request: HttpRequest) -> HttpResponseBase:
    """The signed-in user's sessions, with buttons to end one or all others."""
    from sessionkit import inventory  # the models: not needed to import the URLs

    rows = inventory.sessions_for(request.user)
    return render(
        request, "sessionkit/sessions.html", {"rows": rows, "current": _current(request)}
    )


@login_required
@require_POST
def end_session(request: HttpRequest) -> HttpResponseBase:
    """End one of the user's sessions (``session_id``, its public id) or all others
    (``others``)."""
    from sessionkit import inventory

    if request.POST.get("others"):
        inventory.end_all_except(request)
        return HttpResponseRedirect(reverse("sessionkit:sessions"))
    sid = as_public_id(request.POST.get("session_id"))
    if sid is None or sid == _current(request):
        return HttpResponseBadRequest("no such session of yours (sign out here to end this one)")
    if not any(row.session_id == sid for row in inventory.sessions_for(request.user)):
        return HttpResponseBadRequest("no such session of yours")
    inventory.end(sid)
    return HttpResponseRedirect(reverse("sessionkit:sessions"))
