from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import re_path


def tracked(request: HttpRequest) -> HttpResponse:
    """sessionkit: full tracking, and a template that renders `session` fields."""
    return render(request, "tracked.html")


def counter(request: HttpRequest) -> HttpResponse:
    """Django: the LocalLibrary tutorial's num_visits counter."""
    num_visits = request.session.get("num_visits", 0) + 1
    request.session["num_visits"] = num_visits
    return render(request, "counter.html", {"num_visits": num_visits})


def plain(request: HttpRequest) -> HttpResponse:
    """Both sides: a page that does not touch the session."""
    return HttpResponse("the same for everyone")


urlpatterns = [
    re_path(r"^plain/", plain),
    re_path(r"^tracked/", tracked),
    re_path(r"^counter/", counter),
]
