"""``manage.py django_sessions``: how many of Django's own sessions are left to adopt.

After switching from ``django.contrib.sessions``, each visitor's session moves into sessionkit's
store on the first request that carries its cookie (sessionkit.adoption). This command says how
many are still waiting in Django's store of the same kind, and ``--adopt`` moves them all now.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

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

    def handle(self, *args: Any, **options: Any) -> None:
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        if not issubclass(store_class, SessionkitStore):
            raise CommandError(
                f"SESSION_ENGINE is {settings.SESSION_ENGINE!r}, not a sessionkit engine: "
                "there is nothing to adopt into."
            )
        sources = store_class().django_sources()
        if not sources:
            self.stdout.write("This engine has no Django engine of the same kind to adopt from.")
            return
        for source in sources:
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
