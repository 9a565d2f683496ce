"""``python manage.py demo``: migrate, load the sample catalogue if empty, and serve."""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from demo_site.catalog import sample_data


def local_url(addrport: str) -> str:
    """Where a browser on this machine finds the server runserver starts on ``addrport``
    (``8080``, ``0.0.0.0:8080``, ``[::]:8080`` or ``127.0.0.1:8080``)."""
    host, _, port = addrport.rpartition(":")
    if not port.isdigit():
        host, port = addrport, "8000"
    if host in ("", "0.0.0.0", "0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    """Runs the system checks before setting anything up, so a misconfiguration stops the demo
    before its first page; runserver then runs them again inside its auto-reloader, where an
    error waits for the fix instead of ending the server."""

    help = "Set up the LocalLibrary demo (migrate, sample data) and serve it."
    requires_system_checks: list[str] = []  # (run in handle, outside the reloader's child)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="where to serve it"
        )
        parser.add_argument("--noreload", action="store_true", help="no auto-reloader")
        parser.add_argument("--setup-only", action="store_true", help="set up; do not serve")

    def handle(self, *args: Any, **options: Any) -> None:
        # runserver's auto-reloader runs this command again in a child process: set up once.
        if os.environ.get("RUN_MAIN") != "true":
            self.check()
            call_command("migrate", interactive=False, verbosity=0)
            added = sample_data.load()
            if added:
                self.stdout.write(f"Loaded {added} public-domain books into the catalogue.")
            if options["setup_only"]:
                return
            self.stdout.write(f"LocalLibrary demo: {local_url(options['addrport'])}")
        call_command(
            "runserver",
            options["addrport"],
            use_reloader=not options["noreload"],
            skip_checks=False,
        )
