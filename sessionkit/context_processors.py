from __future__ import annotations

from django.http import HttpRequest

from sessionkit.templating import SessionView


def session(request: HttpRequest) -> dict[str, object]:
    """Put the read-only ``session`` object into every template context.

    Lazy: a template that does not use ``session`` costs nothing (see ``SessionView``).
    """
    return {"session": SessionView(request)}
