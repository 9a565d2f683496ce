"""``manage.py cleanup`` and Django's ``clearsessions`` on every engine that stores sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from sessionkit.management.commands.cleanup import Command as CleanupCommand
from tests.conftest import ENGINES
from tests.routers import SESSION_DB

EXPIRED, LIVE = 25, 7


def populate(store_class: Any, settings: Any) -> tuple[list[str], list[str]]:
    """EXPIRED sessions that expired a minute ago and LIVE ones that have an hour left."""
    settings.SESSION_COOKIE_AGE = 60
    with freeze_time(timedelta(minutes=-2), tick=True):
        expired = []
        for n in range(EXPIRED):
            store = store_class()
            store["n"] = n
            store.save()
            expired.append(store.session_key)
    live = []
    for n in range(LIVE):
        store = store_class()
        store["n"] = n
        store.set_expiry(3600)
        store.save()
        live.append(store.session_key)
    return expired, live


def where_stored(engine: Any) -> Any:
    """The store that says whether a session is still kept (cached_db: its database)."""
    if engine.name == "cached_db":
        from sessionkit.backends.db import SessionStore

        return SessionStore
    return engine.store_class


def cleanup(*args: str) -> str:
    out = StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue()


def test_deletes_exactly_the_expired(engine: Any, store_class: Any, settings: Any) -> None:
    if store_class.expires_itself:
        assert "its store expires sessions by itself" in cleanup()
        return
    expired, live = populate(store_class, settings)
    output = cleanup()
    assert f"Deleted {EXPIRED} expired sessions from {engine.path} in " in output
    assert not any(where_stored(engine)().exists(key) for key in expired)
    assert all(store_class(key).load()["n"] == n for n, key in enumerate(live))


def test_dry_run_deletes_nothing(engine: Any, store_class: Any, settings: Any) -> None:
    if store_class.expires_itself:
        return
    expired, live = populate(store_class, settings)
    assert f"Would delete {EXPIRED} expired sessions from {engine.path} (dry run)" in cleanup(
        "--dry-run"
    )
    assert all(store_class().exists(key) for key in expired + live)


def test_djangos_clearsessions(engine: Any, store_class: Any, settings: Any) -> None:
    expired, live = populate(store_class, settings)
    call_command("clearsessions")
    assert all(store_class(key).load() == {} for key in expired)
    assert all(store_class(key).load() for key in live)
    if not store_class.expires_itself:
        assert not any(where_stored(engine)().exists(key) for key in expired)


DB_ENGINES = [param for param in ENGINES if param.values[0].name in ("db", "cached_db")]


@pytest.mark.parametrize("engine", DB_ENGINES, indirect=True)
@pytest.mark.parametrize("batch_size, statements", [(10, 3), (5, 6), (1000, 1)])
def test_delete_statements_follow_batch_size(
    engine: Any, store_class: Any, settings: Any, batch_size: int, statements: int
) -> None:
    expired, live = populate(store_class, settings)
    with CaptureQueriesContext(connections[SESSION_DB.get()]) as queries:
        cleanup("--batch-size", str(batch_size))
    deletes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DELETE")]
    assert len(deletes) == statements, deletes
    assert all(store_class(key).load() for key in live)


def test_progress_at_verbosity_2(
    engine: Any, store_class: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_class.expires_itself:
        return
    populate(store_class, settings)
    monkeypatch.setattr(CleanupCommand, "progress_interval", 0.0)
    output = cleanup("--batch-size", "10", "-v", "2")
    assert "… 10 deleted" in output
    assert "… 20 deleted" in output
    assert f"Deleted {EXPIRED} expired" in output


@pytest.mark.django_db
def test_engine_option(settings: Any, tmp_path: Path) -> None:
    settings.SESSION_FILE_PATH = str(tmp_path)
    output = cleanup("--engine", "sessionkit.backends.file")
    assert "Deleted 0 expired sessions from sessionkit.backends.file" in output


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="Cannot use session engine 'no.such.engine'"):
        cleanup("--engine", "no.such.engine")


def test_bad_batch_size() -> None:
    with pytest.raises(CommandError):
        cleanup("--batch-size", "0")


def test_missing_folder_fails(settings: Any, tmp_path: Path) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(tmp_path / "gone")
    with pytest.raises(CommandError, match="cleanup failed for sessionkit.backends.file"):
        cleanup()


def run_manage(*args: str, settings_module: str = "tests.settings", **env: str) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "django", "cleanup", *args, f"--settings={settings_module}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent), **env},
    )


def test_database_down_exits_non_zero_with_one_line() -> None:
    result = run_manage(settings_module="tests.settings_dead_db")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: cleanup failed for sessionkit.backends.db")


def test_folder_not_writable_exits_non_zero(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    expired = folder / ("sessionkit-" + "a" * 32)
    expired.write_text("x")
    os.utime(expired, (0, 0))
    # Root may unlink in any folder it can write to, but not in an immutable one.
    locked = ["chattr", "+i", str(folder)] if os.geteuid() == 0 else None
    if locked is not None:
        subprocess.run(locked, check=True)
    else:
        folder.chmod(0o555)
    try:
        result = run_manage(
            settings_module="tests.settings",
            SESSIONKIT_TEST_SESSION_ENGINE="sessionkit.backends.file",
            SESSIONKIT_TEST_SESSION_FILE_PATH=str(folder),
        )
    finally:
        if locked is not None:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "CommandError: cleanup failed for sessionkit.backends.file: PermissionError"
    )
    assert expired.exists()
