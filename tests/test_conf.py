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


def test_django_setting_is_what_settings_gives_however_it_changes(settings: Any) -> None:
    """``django_setting`` reads where ``LazySettings`` keeps what it returned: it must give
    ``getattr(settings, name)`` before any read, across override_settings (nested, and as it
    ends), an assignment to django.conf.settings itself (no setting_changed signal), a
    deletion, and a value changed in place."""
    from django.conf import settings as django_settings

    from sessionkit.conf import django_setting

    def same(name: str) -> None:
        assert django_setting(name) is getattr(django_settings, name)

    django_settings.__dict__.pop("SESSION_COOKIE_DOMAIN", None)  # not read yet
    same("SESSION_COOKIE_DOMAIN")
    same("SESSION_COOKIE_DOMAIN")  # now kept by LazySettings
    with override_settings(SESSION_COOKIE_DOMAIN=".example.com"):
        assert django_setting("SESSION_COOKIE_DOMAIN") == ".example.com"
        with override_settings(SESSION_COOKIE_DOMAIN=".inner.example.com"):
            assert django_setting("SESSION_COOKIE_DOMAIN") == ".inner.example.com"
        assert django_setting("SESSION_COOKIE_DOMAIN") == ".example.com"
    same("SESSION_COOKIE_DOMAIN")
    settings.SESSION_COOKIE_PATH = "/fixture/"  # pytest-django's fixture: override_settings
    assert django_setting("SESSION_COOKIE_PATH") == "/fixture/"
    previous = django_settings.SESSION_COOKIE_NAME
    django_settings.SESSION_COOKIE_NAME = "assigned"  # no signal is sent for this
    try:
        assert django_setting("SESSION_COOKIE_NAME") == "assigned"
        del django_settings.SESSION_COOKIE_NAME
        with pytest.raises(AttributeError):
            django_setting("SESSION_COOKIE_NAME")
    finally:
        django_settings.SESSION_COOKIE_NAME = previous
    settings.SECRET_KEY_FALLBACKS = []
    assert django_setting("SECRET_KEY_FALLBACKS") == []
    django_settings.SECRET_KEY_FALLBACKS.append("old-secret")  # a list changed in place
    assert django_setting("SECRET_KEY_FALLBACKS")[-1] == "old-secret"
    with pytest.raises(AttributeError):
        django_setting("NO_SUCH_SETTING")
