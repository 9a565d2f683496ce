"""sessionkit.codec: what it signs comes back only unchanged, under its purpose and secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.http import HttpResponse
from freezegun import freeze_time

from sessionkit import codec

PURPOSE = "tests.codec"


def test_round_trip_small_and_large() -> None:
    for payload in (b"", b"{}", b'{"a":1}', b"x" * 5000, os.urandom(3000)):
        value = codec.sign(payload, PURPOSE)
        assert value.isascii() and value.startswith("~")
        assert codec.unsign(value, PURPOSE) == payload


@pytest.mark.parametrize("length", range(6))
def test_values_are_cookie_safe_without_quoting(length: int) -> None:
    """No base64 padding: http.cookies sends the value as it is (a padded one it quotes)."""
    for timestamped in (False, True):
        value = codec.sign(b"p" * length, PURPOSE, timestamped=timestamped)
        assert "=" not in value
        response = HttpResponse()
        response.set_cookie("marker", value)
        assert response.cookies["marker"].coded_value == value
        assert codec.unsign(value, PURPOSE) == b"p" * length


def padded(payload: bytes) -> str:
    """``payload`` signed as the codec wrote values before it dropped base64's ``=`` padding."""
    message = b"~j" + base64.urlsafe_b64encode(payload)
    key = codec._derived_key(PURPOSE, django_settings.SECRET_KEY)
    mac = base64.urlsafe_b64encode(hmac.digest(key, message, hashlib.sha256))
    return (message + b":" + mac).decode()


@pytest.mark.parametrize("payload", [b"a", b"ab", b"abc", b'{"_auth_user_id": "1"}'])
def test_a_value_written_with_padding_is_still_read(payload: bytes) -> None:
    value = padded(payload)
    assert "=" in value
    assert codec.unsign(value, PURPOSE) == payload
    message, mac = value.split(":")
    with pytest.raises(codec.BadValue):
        codec.unsign(f"{message}:{mac}==", PURPOSE)  # one "=" of padding, no more
    with pytest.raises(codec.BadValue):
        codec.unsign(f"{message}x:{mac}", PURPOSE)


def test_compresses_only_when_it_pays() -> None:
    assert codec.sign(b"x" * 5000, PURPOSE).startswith("~z")
    assert codec.sign(os.urandom(3000), PURPOSE).startswith("~j")  # incompressible
    assert codec.sign(b"a" * (codec.COMPRESS_FROM - 1), PURPOSE).startswith("~j")  # too short


def test_reads_what_zlibs_default_window_wrote() -> None:
    """Values compressed before the smaller window (zlib.compress, 32 KiB) still read, and a
    payload many windows long goes both ways."""
    payload = (
        b'{"history":"' + b" ".join(b"%d /book/%d/" % (n, n % 97) for n in range(9000)) + b'"}'
    )
    message = b"~z" + codec._b64encode(zlib.compress(payload, 1))
    written_before = (message + b":" + codec._mac(codec._signers(PURPOSE)[0], message)).decode()
    assert codec.unsign(written_before, PURPOSE) == payload
    assert codec.unsign(codec.sign(payload, PURPOSE), PURPOSE) == payload
    assert len(codec.sign(payload, PURPOSE)) <= len(written_before) * 1.05


@pytest.mark.parametrize(
    "change",
    [
        lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"),  # the signature
        lambda v: v[:3] + ("A" if v[3] != "A" else "B") + v[4:],  # the payload
        lambda v: "~" + ("j" if v[1] == "z" else "z") + v[2:],  # the form
        lambda v: v.split(":")[0],  # no signature
        lambda v: v[1:],  # not ours
        lambda v: "~",
        lambda v: "",
        lambda v: "~z:" + v.split(":")[1],
        lambda v: v + "é",
    ],
)
def test_any_change_is_refused(change: Any) -> None:
    value = codec.sign(b'{"user": 1}' * 30, PURPOSE)
    with pytest.raises(codec.BadValue):
        codec.unsign(change(value), PURPOSE)


def test_another_purpose_or_secret_is_refused(settings: Any) -> None:
    value = codec.sign(b"payload", PURPOSE)
    with pytest.raises(codec.BadValue):
        codec.unsign(value, "another.purpose")
    settings.SECRET_KEY = "another-secret-" + "z" * 40
    with pytest.raises(codec.BadValue):
        codec.unsign(value, PURPOSE)


OLD_SECRET = "old-secret-" + "o" * 40


def signed_before_a_rotation(settings: Any) -> str:
    """A value signed under OLD_SECRET, which is now the fallback of a new SECRET_KEY."""
    settings.SECRET_KEY = OLD_SECRET
    value = codec.sign(b"payload", PURPOSE)
    settings.SECRET_KEY = "new-secret-" + "n" * 40
    settings.SECRET_KEY_FALLBACKS = [OLD_SECRET]
    return value


def test_a_fallback_secret_still_verifies_and_new_values_use_the_new_one(settings: Any) -> None:
    value = signed_before_a_rotation(settings)
    assert codec.unsign(value, PURPOSE) == b"payload"
    fresh = codec.sign(b"payload", PURPOSE)
    settings.SECRET_KEY_FALLBACKS = []
    assert codec.unsign(fresh, PURPOSE) == b"payload"
    with pytest.raises(codec.BadValue):
        codec.unsign(value, PURPOSE)


def test_djangos_signed_values_are_not_ours() -> None:
    value = signing.dumps({"a": 1}, salt=PURPOSE, compress=True)
    assert not codec.is_ours(value)
    with pytest.raises(codec.BadValue):
        codec.unsign(value, PURPOSE)


def test_timestamped_values_expire() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with freeze_time(start) as frozen:
        value = codec.sign(b"payload", PURPOSE, timestamped=True)
        assert codec.unsign(value, PURPOSE, max_age=60) == b"payload"
        assert codec.unsign(value, PURPOSE) == b"payload"
        frozen.tick(timedelta(seconds=61))
        with pytest.raises(codec.BadValue, match="expired"):
            codec.unsign(value, PURPOSE, max_age=60)


def test_a_clock_before_1970_still_signs_and_dates_values() -> None:
    with freeze_time(datetime(1969, 12, 31, 23, 59, tzinfo=UTC)):
        value = codec.sign(b"payload", PURPOSE, timestamped=True)
        assert codec.unsign(value, PURPOSE, max_age=60) == b"payload"


def test_a_value_without_a_timestamp_never_passes_a_max_age() -> None:
    with pytest.raises(codec.BadValue, match="expired"):
        codec.unsign(codec.sign(b"payload", PURPOSE), PURPOSE, max_age=60)


def test_the_timestamp_is_signed() -> None:
    """A stamp moved to a time that max_age would accept is refused: only the signature can
    refuse it."""
    with freeze_time(datetime(2026, 1, 1, tzinfo=UTC)):
        value = codec.sign(b"payload", PURPOSE, timestamped=True)
        message, mac = value.split(":")
        stamp, body = message[2:].split(".")
        earlier = codec._base36(int(stamp, 36) - 10).decode()
        moved = f"~{message[1]}{earlier}.{body}:{mac}"
        with pytest.raises(codec.BadValue, match="bad signature"):
            codec.unsign(moved, PURPOSE, max_age=3600)


def test_a_fallback_removed_in_place_stops_verifying_at_once(settings: Any) -> None:
    value = signed_before_a_rotation(settings)
    assert codec.unsign(value, PURPOSE) == b"payload"
    settings.SECRET_KEY_FALLBACKS.remove(OLD_SECRET)  # no setting_changed, the same list
    with pytest.raises(codec.BadValue):
        codec.unsign(value, PURPOSE)
    settings.SECRET_KEY_FALLBACKS.append(OLD_SECRET)
    assert codec.unsign(value, PURPOSE) == b"payload"


def test_a_timestamp_far_in_the_future_is_refused() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with freeze_time(start + timedelta(days=365)):
        value = codec.sign(b"payload", PURPOSE, timestamped=True)
    with freeze_time(start), pytest.raises(codec.BadValue):
        codec.unsign(value, PURPOSE, max_age=3600)
    with freeze_time(start + timedelta(days=365) - timedelta(seconds=codec.FUTURE_SKEW - 1)):
        assert codec.unsign(value, PURPOSE, max_age=3600) == b"payload"  # a clock a bit behind


def test_the_openssl_signer_and_the_python_wrapper_give_the_same_mac(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``_keyed`` takes the C object inside ``hmac.HMAC`` where there is one; where there is
    none (an ``hmac`` without OpenSSL) it signs with the wrapper: both are HMAC-SHA256 under
    the derived key."""
    key = codec._derived_key(PURPOSE, django_settings.SECRET_KEY)
    with_openssl = codec._keyed(key)
    assert not isinstance(with_openssl, hmac.HMAC)
    monkeypatch.setattr(hmac, "_hashopenssl", None)
    without_openssl = codec._keyed(key)
    assert isinstance(without_openssl, hmac.HMAC)
    for message in (b"", b"~j" + b"x" * 200):
        expected = base64.urlsafe_b64encode(hmac.digest(key, message, hashlib.sha256))
        assert codec._mac(with_openssl, message) == expected.rstrip(b"=")
        assert codec._mac(without_openssl, message) == expected.rstrip(b"=")


def test_a_value_read_again_unchanged_is_not_verified_again(monkeypatch: Any) -> None:
    """What a store holds is remembered once verified, by its exact bytes: read again, it is
    not verified again. A value differing in one byte is another value, verified (and
    refused); a value with a max_age (the marker cookie) is verified every time."""
    checked: list[bytes] = []
    verifies = codec._verifies
    monkeypatch.setattr(
        codec, "_verifies", lambda mac, s, m: checked.append(m) or verifies(mac, s, m)
    )
    value = codec.sign(b"x" * 500, PURPOSE)
    assert codec.unsign(value, PURPOSE) == b"x" * 500
    assert codec.unsign(value, PURPOSE) == b"x" * 500
    assert codec.unsign(value.encode(), PURPOSE) == b"x" * 500  # as a store may return it
    assert len(checked) == 1
    changed = value[:-1] + ("A" if value[-1] != "A" else "B")
    for _ in range(2):
        with pytest.raises(codec.BadValue):
            codec.unsign(changed, PURPOSE)
    assert len(checked) == 3
    stamped = codec.sign(b"marker", PURPOSE, timestamped=True)
    for _ in range(2):
        codec.unsign(stamped, PURPOSE, max_age=60)
    assert len(checked) == 5
    with pytest.raises(codec.BadValue):
        codec.unsign(value, "another.purpose")


def test_what_is_remembered_is_bounded_and_forgotten_with_the_keys(settings: Any) -> None:
    values = [codec.sign(b"%d" % n, PURPOSE) for n in range(codec.REMEMBERED_VALUES + 10)]
    for value in values:
        codec.unsign(value, PURPOSE)
    assert 0 < len(codec._keys(PURPOSE).verified) <= codec.REMEMBERED_VALUES
    large = codec.sign(os.urandom(codec.REMEMBERED_LENGTH), PURPOSE)
    codec.unsign(large, PURPOSE)
    assert large.encode() not in codec._keys(PURPOSE).verified
    settings.SECRET_KEY = "another-secret-" + "z" * 40
    assert codec._keys(PURPOSE).verified == {}
    with pytest.raises(codec.BadValue):
        codec.unsign(values[-1], PURPOSE)


def test_a_short_value_holding_a_long_payload_is_not_remembered() -> None:
    """The bound is on what is kept: a value short enough whose payload, decompressed, is
    long is verified every time instead."""
    payload = b"a" * (codec.REMEMBERED_PAYLOAD * 20)
    value = codec.sign(payload, PURPOSE)
    assert len(value) <= codec.REMEMBERED_LENGTH
    assert codec.unsign(bytearray(value.encode()), PURPOSE) == payload
    assert value.encode() not in codec._keys(PURPOSE).verified
