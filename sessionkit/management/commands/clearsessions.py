"""Django's ``clearsessions``, available without ``django.contrib.sessions`` installed.

It calls ``SessionStore.clear_expired()`` of ``SESSION_ENGINE``, which on sessionkit's engines
deletes in batches. ``manage.py cleanup`` does the same with a count, a dry run and progress.
"""

from django.contrib.sessions.management.commands.clearsessions import Command as DjangoCommand


class Command(DjangoCommand):
    pass
