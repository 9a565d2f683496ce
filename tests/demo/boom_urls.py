"""The demo's URLs plus one view that fails: for the branded 500 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), path("", include("demo_site.urls"))]
