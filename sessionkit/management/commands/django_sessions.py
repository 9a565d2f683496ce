"""``manage.py django_sessions``: how many of Django's own sessions are left to adopt.

After switching from ``django.contrib.sessions``, each visitor's session moves into sessionkit's
store on the first request that carries its cookie (sessionkit.adoption). This command says how
many are still waiting in Django's store of the same kind, and ``--adopt`` moves them all now.

``--give-back`` goes the other way, before switching back to Django's db or cached_db engine:
it copies every unexpired session of sessionkit's table into Django's, in the form Django's
engines read (sessionkit signs in a form of its own), without sessionkit's reserved keys.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessionkit.adoption import DjangoTable, table_present
from sessionkit.backends.base import SessionStore as SessionkitStore


class Command(BaseCommand):
    help = (
        "Report how many sessions Django's own engine of the same kind as SESSION_ENGINE "
        "still holds (they move into sessionkit on their next request); --adopt moves them now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="Move every unexpired session left in Django's table or files now.",
        )
        parser.add_argument(
            "--give-back",
            action="store_true",
            help="Copy every unexpired session of sessionkit's table into Django's "
            "django_session table, in Django's form (before switching back to Django's "
            "db or cached_db engine).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        if not issubclass(store_class, SessionkitStore):
            raise CommandError(
                f"SESSION_ENGINE is {settings.SESSION_ENGINE!r}, not a sessionkit engine: "
                "there is nothing to adopt into."
            )
        if options["give_back"]:
            self.give_back(store_class)
            return
        sources = store_class().django_sources()
        if not sources:
            self.stdout.write("This engine has no Django engine of the same kind to adopt from.")
            return
        for source in sources:
            if isinstance(source, DjangoTable) and not table_present(source.alias):
                named = str(source)
                self.stdout.write(
                    f"{named[:1].upper()}{named[1:]} does not exist: nothing to adopt from it. "
                    "Set SESSIONKIT_ADOPT_DJANGO_SESSIONS = False to save the look-up there."
                )
                continue
            if options["adopt"]:
                adopted = sum(1 for key in list(source.keys()) if store_class(key).load())
                self.stdout.write(f"Adopted {adopted} from {source}.")
            left = source.left()
            if left is None:
                self.stdout.write(
                    f"{source}: a cache cannot be counted; each session there moves on its "
                    "next request, or expires with its cache entry."
                )
            else:
                self.stdout.write(f"{left} unexpired session(s) left in {source}.")

    def give_back(self, store_class: type[SessionkitStore]) -> None:
        from django.apps import apps
        from django.contrib.sessions.backends.db import SessionStore as DjangoStore
        from django.utils import timezone

        from sessionkit.keys import cookie_key

        get_model_class = getattr(store_class, "get_model_class", None)
        if get_model_class is None:
            raise CommandError(
                "--give-back copies the db and cached_db engines' table into Django's; "
                f"{settings.SESSION_ENGINE!r} keeps no table."
            )
        if not apps.is_installed("django.contrib.sessions"):
            raise CommandError(
                "Add 'django.contrib.sessions' to INSTALLED_APPS and run `manage.py migrate` "
                "first: its table is where the sessions go."
            )
        django_model = DjangoStore.get_model_class()
        ours, theirs = store_class(), DjangoStore()
        given = hashed = 0
        rows = get_model_class()._default_manager.filter(expire_date__gt=timezone.now())
        for row in rows.iterator():
            key = cookie_key(row.session_key)
            if key is None:  # kept under its hash (SESSIONKIT_HASH_KEYS): no cookie names it
                hashed += 1
                continue
            data = {
                name: value
                for name, value in ours.decode(row.session_data).items()
                if not name.startswith("_sessionkit")
            }
            django_model._default_manager.update_or_create(
                session_key=key,
                defaults={
                    "session_data": theirs.encode(data),
                    "expire_date": row.expire_date,
                },
            )
            given += 1
        self.stdout.write(f"Gave {given} session(s) back to Django's table.")
        if hashed:
            self.stdout.write(
                f"{hashed} session(s) stored under a hashed key (SESSIONKIT_HASH_KEYS) cannot "
                "be given back: only their visitors' cookies hold the key."
            )
