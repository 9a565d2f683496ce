"""Views under ``include("sessionkit.urls")``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sessionkit import consent as consent_api


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
