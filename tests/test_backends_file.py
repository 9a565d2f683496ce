"""What only the file engine promises: atomic writes, paths inside the folder, cheap cleanup."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from freezegun import freeze_time

from sessionkit.backends import file as file_engine
from sessionkit.backends.file import STALE_TEMP_AGE, TEMP_PREFIX, SessionStore


@pytest.fixture
def folder(settings: Any, tmp_path: Path) -> Path:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(sessions)
    return sessions


def saved(**data: Any) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_one_file_per_session_named_after_the_key(folder: Path) -> None:
    store = saved(a=1)
    assert [p.name for p in folder.iterdir()] == [f"sessionkit-{store.session_key}"]


def test_expiry_is_the_file_mtime(folder: Path, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 600
    store = saved(a=1)
    mtime = (folder / f"sessionkit-{store.session_key}").stat().st_mtime
    assert abs(mtime - (time.time() + 600)) < 5


def test_writes_leave_no_temporary_files(folder: Path) -> None:
    store = saved(a=1)
    for n in range(5):
        store["a"] = n
        store.save()
    store.cycle_key()
    assert [p.name for p in folder.iterdir()] == [f"sessionkit-{store.session_key}"]


def test_a_failed_write_keeps_the_previous_session_whole(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = saved(a="before")
    store["a"] = "after"

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(file_engine.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save()
    monkeypatch.undo()
    assert SessionStore(store.session_key).load() == {"a": "before"}
    assert not [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_a_failed_create_leaves_no_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(file_engine.os, "utime", crash)
    with pytest.raises(OSError, match="disk full"):
        saved(a=1)
    assert list(folder.iterdir()) == []


def test_create_without_hard_links_falls_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: Any) -> None:
        raise PermissionError("operation not permitted")

    monkeypatch.setattr(file_engine.os, "link", no_links)
    store = saved(a=1)
    assert SessionStore(store.session_key).load() == {"a": 1}
    clash = SessionStore(store.session_key)
    clash._session_cache = {}
    assert not clash._write(store.session_key, clash._record_for({}), create=True)


@pytest.mark.parametrize("cookie", ["../../etc/passwd", "..", "/tmp/x" + "a" * 10, "a/../../b"])
def test_keys_never_leave_the_folder(folder: Path, cookie: str) -> None:
    outside = folder.parent / "passwd"
    store = SessionStore(cookie)
    assert store.load() == {}
    store["a"] = 1
    store.save()
    store.delete(cookie)
    assert not outside.exists()
    assert [p.parent for p in folder.iterdir()] == [folder]


@pytest.mark.django_db  # clear_expired() also drops the inventory rows of expired sessions
def test_clear_expired_never_opens_a_session_file(
    folder: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SESSION_COOKIE_AGE = 300
    with freeze_time("2026-01-01 12:00") as frozen:
        for n in range(20):
            saved(n=n)
        live = saved(n=99)
        live.set_expiry(3600)
        live.save()
        frozen.tick(timedelta(seconds=301))

        def no_open(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("clear_expired opened a file")

        monkeypatch.setattr("builtins.open", no_open)
        monkeypatch.setattr(SessionStore, "decode", no_open)
        assert SessionStore.clear_expired() == 20
        monkeypatch.undo()
        assert [p.name for p in folder.iterdir()] == [f"sessionkit-{live.session_key}"]


@pytest.mark.django_db  # clear_expired() also drops the inventory rows of expired sessions
def test_clear_expired_removes_stale_temporary_files(folder: Path) -> None:
    leftover = folder / f"{TEMP_PREFIX}crashed"
    leftover.write_text("half a session")
    SessionStore.clear_expired()
    assert leftover.exists(), "a fresh temporary file may belong to a write in flight"
    later = leftover.stat().st_ctime + STALE_TEMP_AGE + 1
    with freeze_time(datetime.fromtimestamp(later, tz=UTC)):
        SessionStore.clear_expired()
    assert not leftover.exists()


@pytest.mark.django_db  # clear_expired() also drops the inventory rows of expired sessions
def test_other_files_in_the_folder_are_left_alone(folder: Path) -> None:
    (folder / "notes.txt").write_text("keep me")
    SessionStore.clear_expired()
    assert (folder / "notes.txt").read_text() == "keep me"


def test_corrupt_file_gives_empty_session(folder: Path) -> None:
    store = saved(a=1)
    path = folder / f"sessionkit-{store.session_key}"
    mtime = path.stat().st_mtime
    path.write_bytes(b"\xff\xfe not a session")
    os.utime(path, (mtime, mtime))
    assert SessionStore(store.session_key).load() == {}


def test_missing_folder_is_a_clear_configuration_error(settings: Any, tmp_path: Path) -> None:
    settings.SESSION_FILE_PATH = str(tmp_path / "nope")
    with pytest.raises(ImproperlyConfigured, match="SESSION_FILE_PATH"):
        SessionStore()
