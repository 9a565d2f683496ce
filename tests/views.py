"""Small views that let tests drive the session through the test client."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


def _custom(request: HttpRequest) -> dict[str, object]:
    return {k: v for k, v in request.session.items() if not k.startswith("_")}


def show(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"key": request.session.session_key, "data": _custom(request)})


def set_value(request: HttpRequest) -> HttpResponse:
    for name, value in request.GET.items():
        request.session[name] = value
    return JsonResponse({"key": request.session.session_key, "data": _custom(request)})
