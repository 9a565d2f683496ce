from __future__ import annotations

from django.http import HttpRequest

from demo_site.catalog.views import DECLINED_COOKIE


def consent(request: HttpRequest) -> dict[str, object]:
    """``sessions_declined``: the visitor said "No thanks" to the consent banner."""
    return {"sessions_declined": request.COOKIES.get(DECLINED_COOKIE) == "1"}
