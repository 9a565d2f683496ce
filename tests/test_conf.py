"""sessionkit.conf: settings kept between requests, and forgotten whenever a setting changes."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.test import override_settings

from sessionkit.conf import Settings, conf


def test_a_kept_setting_follows_a_change(settings: Any) -> None:
    settings.SESSIONKIT_PENDING_AGE = 60
    assert conf.SESSIONKIT_PENDING_AGE == 60
    assert "SESSIONKIT_PENDING_AGE" in vars(conf)  # kept: the next read makes no call
    settings.SESSIONKIT_PENDING_AGE = 90
    assert conf.SESSIONKIT_PENDING_AGE == 90


def test_a_value_read_while_a_setting_changes_is_not_kept(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread (a live server's, say) reads a setting; before it keeps the value, another
    thread enters ``override_settings``: the old value must not outlive the change."""
    settings.SESSIONKIT_PENDING_AGE = 60
    kept = Settings.__dict__["SESSIONKIT_PENDING_AGE"]
    read = kept.read
    has_read, go_on = threading.Event(), threading.Event()

    def slow_read(instance: Settings) -> Any:
        value = read(instance)
        if threading.current_thread().name == "reader":
            has_read.set()
            go_on.wait(10)
        return value

    monkeypatch.setattr(kept, "read", slow_read)
    vars(conf).clear()
    seen = []
    reader = threading.Thread(
        target=lambda: seen.append(conf.SESSIONKIT_PENDING_AGE), name="reader"
    )
    reader.start()
    assert has_read.wait(10)
    with override_settings(SESSIONKIT_PENDING_AGE=90):
        go_on.set()
        reader.join(10)
        assert seen == [60]  # what the reader saw, as it began before the change
        assert conf.SESSIONKIT_PENDING_AGE == 90
