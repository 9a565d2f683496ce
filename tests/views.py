"""Small views that let tests drive the session through the test client."""

from __future__ import annotations

import secrets
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import engines

from sessionkit import flash, request_cache
from sessionkit.context_processors import session as session_context


def _custom(request: HttpRequest) -> dict[str, object]:
    return {k: v for k, v in request.session.items() if not k.startswith("_")}


def show(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"key": request.session.session_key, "data": _custom(request)})


def set_value(request: HttpRequest) -> HttpResponse:
    for name, value in request.GET.items():
        request.session[name] = value
    return JsonResponse({"key": request.session.session_key, "data": _custom(request)})


def put(request: HttpRequest, name: str, value: str) -> HttpResponse:
    """Set one value; the path names it, so a log line about this request names it too."""
    request.session[name] = value
    return JsonResponse({"key": request.session.session_key, "data": _custom(request)})


def figures(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Every field of the template object, as the context processor gives it."""
    session = session_context(request)["session"]
    fields: dict[str, Any] = {
        name: getattr(session, name)
        for name in (
            "object_type",
            "is_valid",
            "allowed",
            "id",
            "first_page",
            "num_requests",
            "num_pages",
            "unique_pages",
            "num_errors",
            "properties",
            "tracker",
        )
    }
    fields["start_date"] = session.start_date.isoformat() if session.start_date else None
    fields["end_date"] = session.end_date.isoformat()
    fields["errors"] = [[e["path"], e["status"]] for e in session.errors]
    fields["history"] = [h["path"] for h in session.history]
    fields["history_times"] = [h["time"].isoformat() for h in session.history]
    fields["flash"] = dict(session.flash)
    return JsonResponse(fields)


def redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/page/")


def boom(request: HttpRequest) -> HttpResponse:
    request.session["lost"] = "a failed view's changes are not kept"
    raise RuntimeError("boom")


def render_with(engine: str) -> Any:
    def view(request: HttpRequest) -> HttpResponse:
        template = engines[engine].get_template("recipes.html")
        return HttpResponse(template.render({}, request))

    return view


INLINE = {
    "nothing": "the same for everyone",
    "count": "{{ session.num_requests }} requests",
    "repr": "{{ session }}",
}


def render_inline(request: HttpRequest, name: str) -> HttpResponse:
    """One of ``INLINE``'s Django templates, rendered with the request's context processors."""
    return HttpResponse(engines["django"].from_string(INLINE[name]).render({}, request))


def flash_set(request: HttpRequest) -> HttpResponse:
    for name, value in request.GET.items():
        flash.set(request, name, value)
    return HttpResponseRedirect("/page/")


def memo(request: HttpRequest) -> HttpResponse:
    cache = request_cache(request)
    first = cache.get("books", "count")
    cache.set("books", "count", 42)
    return JsonResponse({"first": first, "second": cache.get("books", "count")})


def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponse("bye")


RACE: list[threading.Barrier] = []
"""Set by the concurrency tests: each /race/ request waits here after its session is loaded."""


def race(request: HttpRequest, name: str) -> HttpResponse:
    request.session.get(name)  # make sure the session is loaded (Django's loads lazily)
    if RACE:
        RACE[0].wait(timeout=60)
    request.session[name] = True
    request.session["counter"] = request.session.get("counter", 0) + 1
    return HttpResponse("ok")


HOLD: list[tuple[threading.Event, threading.Event]] = []
"""Set by a test as (loaded, release): a /hold/ request sets ``loaded`` once its session is
loaded, then waits for ``release`` — a request in flight while the test does something else."""


def hold(request: HttpRequest) -> HttpResponse:
    request.session.get("held")  # make sure the session is loaded
    if HOLD:
        loaded, release = HOLD[0]
        loaded.set()
        release.wait(timeout=60)
    return HttpResponse("held")


def ended_meanwhile(request: HttpRequest) -> HttpResponse:
    """The session is ended while this request runs (a logout in another tab), and then the
    view changes it: its save must not bring the session back."""
    request.session.get("loaded")  # make sure the session is loaded
    type(request.session)(request.session.session_key).delete()
    request.session["after"] = "the end"
    return HttpResponse("changed")


def sign_in(request: HttpRequest) -> HttpResponse:
    """Django's login(), which rotates the session key (cycle_key)."""
    from django.contrib.auth import get_user_model, login

    user = get_user_model().objects.get(username=request.POST["username"])
    login(request, user)
    return HttpResponse("signed in")


def plain(request: HttpRequest) -> HttpResponse:
    """A page that does not use the session at all."""
    return HttpResponse("the same for everyone")


def sign_in_remembered(request: HttpRequest) -> HttpResponse:
    """login(), then "keep me signed in": a longer expiry set after the sign-in."""
    from django.contrib.auth import get_user_model, login

    login(request, get_user_model().objects.get(username=request.POST["username"]))
    request.session.set_expiry(30 * 24 * 3600)
    return HttpResponse("signed in")


def sign_in_then_fail(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import get_user_model, login

    login(request, get_user_model().objects.get(username=request.POST["username"]))
    raise RuntimeError("after the sign-in")


def sign_in_unsaveable(request: HttpRequest, how: str) -> HttpResponse:
    """login(), then a value the session cannot be saved with: too large, or not JSON."""
    from django.contrib.auth import get_user_model, login

    login(request, get_user_model().objects.get(username=request.POST["username"]))
    looped: list[Any] = []
    looped.append(looped)
    request.session["extra"] = secrets.token_hex(40_000) if how == "large" else looped
    return HttpResponse("signed in")


def whoami(request: HttpRequest) -> HttpResponse:
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated, "username": user.get_username()})


def rotate(request: HttpRequest) -> HttpResponse:
    """A new key for the same session, as a site does before a sensitive step."""
    request.session.cycle_key()
    return HttpResponse("rotated")
