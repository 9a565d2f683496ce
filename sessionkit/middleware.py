"""The session middleware: Django's, on sessionkit's engines.

A subclass of Django's ``SessionMiddleware`` so that ``django.contrib.auth``, ``messages`` and
the admin's system check (admin.E410) accept it unchanged.
"""

from __future__ import annotations

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware


class SessionMiddleware(DjangoSessionMiddleware):
    """Drop-in replacement for ``django.contrib.sessions.middleware.SessionMiddleware``."""
