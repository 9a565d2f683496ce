"""``manage.py cleanup``: delete expired sessions, safely on large stores."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessionkit.backends.base import SessionStore as SessionkitStore
from sessionkit.backends.base import expired_inventory_rows


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


class Command(BaseCommand):
    help = (
        "Delete expired sessions of SESSION_ENGINE (or --engine): db and cached_db in batches "
        "by primary key, file by modification time without decoding files."
    )
    # Failures are reported in one line by handle(), for cron; the system checks would print
    # a multi-line report first.
    requires_system_checks: list[str] = []
    progress_interval = 1.0
    """Seconds between progress lines at -v 2."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count expired sessions; delete nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=None,
            metavar="N",
            help="Rows per DELETE statement (default SESSIONKIT_CLEANUP_BATCH_SIZE, 5000).",
        )
        parser.add_argument(
            "--engine",
            default=None,
            metavar="DOTTED.PATH",
            help="Session engine to clean instead of SESSION_ENGINE.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["engine"] or settings.SESSION_ENGINE
        try:
            store_class = import_module(path).SessionStore
        except (ImportError, AttributeError) as exc:
            raise CommandError(f"Cannot use session engine {path!r}: {_one_line(exc)}") from exc
        try:
            summary = self._run(path, store_class, options)
        except Exception as exc:
            raise CommandError(f"cleanup failed for {path}: {_one_line(exc)}") from exc
        self.stdout.write(summary)

    def _run(self, path: str, store_class: Any, options: dict[str, Any]) -> str:
        started = time.monotonic()
        summary = f"{self._sessions(path, store_class, options)} in "
        summary += f"{time.monotonic() - started:.2f} s."
        rows = expired_inventory_rows(dry_run=options["dry_run"], batch_size=options["batch_size"])
        if rows is None:
            return summary
        verb = "Would delete" if options["dry_run"] else "Deleted"
        plural = "" if rows == 1 else "s"
        return f"{summary} {verb} {rows:,} inventory row{plural} of expired sessions."

    def _sessions(self, path: str, store_class: Any, options: dict[str, Any]) -> str:
        if not (isinstance(store_class, type) and issubclass(store_class, SessionkitStore)):
            if options["dry_run"]:
                raise ValueError(f"{path} is not a sessionkit engine; it cannot count")
            store_class.clear_expired()
            return f"Cleared expired sessions with {path} (it does not say how many)"
        if store_class.expires_itself:
            return f"Nothing to do for {path}: its store expires sessions by itself"
        if options["dry_run"]:
            count = store_class.count_expired()
            return f"Would delete {count:,} expired sessions from {path} (dry run)"
        progress = self._progress_printer() if options["verbosity"] >= 2 else None
        count = store_class.delete_expired(batch_size=options["batch_size"], progress=progress)
        return f"Deleted {count:,} expired sessions from {path}"

    def _progress_printer(self) -> Any:
        started = last = time.monotonic()

        def progress(deleted: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= self.progress_interval:
                last = now
                self.stdout.write(f"  … {deleted:,} deleted ({now - started:.1f} s)")

        return progress
