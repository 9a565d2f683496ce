"""sessionkit.serialization: Django's JSONSerializer's bytes and errors, any other serializer
called as Django calls it."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap
from datetime import date
from typing import Any

import pytest
from django.core.signing import JSONSerializer

from sessionkit import serialization

VALUES: list[Any] = [
    {},
    {"_auth_user_id": "1", "_auth_user_backend": "x.y", "n": 3, "f": 1.5, "none": None},
    {"nested": {"list": [1, "two", [3.0, False]], "é": "ünïcödé ☃ \u2028"}, "big": 10**30},
    {"nan": float("nan"), "inf": float("inf")},
    [1, 2, 3],
    "a string",
]


@pytest.mark.parametrize("value", VALUES)
def test_writes_djangos_bytes_and_reads_them_back(value: Any) -> None:
    payload = serialization.dumps(JSONSerializer, value)
    assert payload == JSONSerializer().dumps(value)
    read = serialization.loads(JSONSerializer, payload)
    assert json.dumps(read) == json.dumps(JSONSerializer().loads(payload))


@pytest.mark.parametrize(
    "payload", [b' {"a": 1} ', b'{"a":1}\n', b"\t[1, 2]", b"\r\n1\r\n", b'{ "a" : [ 1 , 2 ] }']
)
def test_reads_what_django_reads_with_whitespace_around(payload: bytes) -> None:
    assert serialization.loads(JSONSerializer, payload) == JSONSerializer().loads(payload)


@pytest.mark.parametrize(
    "payload", [b"", b" ", b"{", b'{"a":1} x', b'{"a":1}{"b":2}', b"nul", b"\xff", b"{'a':1}"]
)
def test_what_django_refuses_raises_djangos_error(payload: bytes) -> None:
    with pytest.raises(ValueError) as ours:
        serialization.loads(JSONSerializer, payload)
    with pytest.raises(ValueError) as djangos:
        JSONSerializer().loads(payload)
    assert type(ours.value) is type(djangos.value)
    assert str(ours.value) == str(djangos.value)


def test_an_unserialisable_value_raises_what_django_raises() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        serialization.dumps(JSONSerializer, {"when": object()})


def test_a_value_that_contains_itself_raises_what_django_raises() -> None:
    looped: dict[str, Any] = {"a": [1]}
    looped["a"].append(looped)
    with pytest.raises(ValueError) as djangos:
        JSONSerializer().dumps(looped)
    with pytest.raises(ValueError) as ours:
        serialization.dumps(JSONSerializer, looped)
    assert str(ours.value) == str(djangos.value) == "Circular reference detected"
    # (and the next value is written as usual: nothing of the failed one is remembered)
    assert serialization.dumps(JSONSerializer, {"a": [1]}) == b'{"a":[1]}'


def test_a_value_that_contains_itself_raises_in_a_thread_with_a_small_stack_too() -> None:
    """Found by json's own check, not by running out of recursion: on Python 3.13 a thread
    with a 1 MiB stack (what Alpine's Python gives every thread) overflows its stack first and
    the process dies. In a child process, so that such a death fails this test alone."""
    code = textwrap.dedent(
        """
        import threading
        from django.core.signing import JSONSerializer
        from sessionkit import serialization

        raised = []

        def save():
            looped = {"a": []}
            looped["a"].append(looped)
            try:
                serialization.dumps(JSONSerializer, looped)
            except ValueError as exc:
                raised.append(str(exc))

        threading.stack_size(1024 * 1024)
        thread = threading.Thread(target=save)
        thread.start()
        thread.join()
        print(raised)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "['Circular reference detected']"


def test_a_value_too_deep_raises_what_django_raises() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        JSONSerializer().dumps(deep)
    with pytest.raises(RecursionError):
        serialization.dumps(JSONSerializer, deep)


class CountingSerializer:
    """A serializer as SESSION_SERIALIZER names one: a class, instantiated per call."""

    instances = 0

    def __init__(self) -> None:
        type(self).instances += 1

    def dumps(self, value: Any) -> bytes:
        return pickle.dumps(value)

    def loads(self, payload: bytes) -> Any:
        return pickle.loads(payload)  # noqa: S301 - the test's own bytes


class JSONSubclass(JSONSerializer):
    def dumps(self, obj: Any) -> bytes:
        return b"[" + super().dumps(obj) + b"]"


def test_another_serializer_is_instantiated_and_called_as_django_calls_it() -> None:
    CountingSerializer.instances = 0
    payload = serialization.dumps(CountingSerializer, {"a": {1, 2}})
    assert serialization.loads(CountingSerializer, payload) == {"a": {1, 2}}
    assert CountingSerializer.instances == 2


def test_a_subclass_of_djangos_serializer_is_not_bypassed() -> None:
    payload = serialization.dumps(JSONSubclass, {"a": 1})
    assert payload == b'[{"a":1}]'
    assert serialization.loads(JSONSubclass, payload) == [{"a": 1}]


def test_a_site_that_replaced_json_dumps_and_loads_keeps_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Django's serializer looks ``json.dumps``/``json.loads`` up on every call: a site that
    swapped them (dates written as strings, decimals read back) gets what it chose."""
    from decimal import Decimal

    from django.core.serializers.json import DjangoJSONEncoder

    stdlib_dumps, stdlib_loads = json.dumps, json.loads
    monkeypatch.setattr(
        json, "dumps", lambda value, **kw: stdlib_dumps(value, cls=DjangoJSONEncoder, **kw)
    )
    monkeypatch.setattr(
        json, "loads", lambda text, **kw: stdlib_loads(text, parse_float=Decimal, **kw)
    )
    value = {"when": date(2024, 1, 2), "price": 1.1}
    payload = serialization.dumps(JSONSerializer, value)
    assert payload == JSONSerializer().dumps(value) == b'{"when":"2024-01-02","price":1.1}'
    assert serialization.loads(JSONSerializer, payload) == {
        "when": "2024-01-02",
        "price": Decimal("1.1"),
    }
