"""sessionkit.exclusions: the compiled patterns mean exactly what the entries mean."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from sessionkit.exclusions import compiled

ENTRIES = [
    r"^/static/",
    r"(?i)^/ADMIN/",
    r"(?x) ^/a \s* b/  # a comment on the last line",
    r"^/(static|media)/(\d+)/\2$",  # groups of its own: searched on its own
    r"^/(?P<kind>x)(?P=kind)/",
    r"^/health/$",
    r"\.map$",
]


def excluded(patterns: tuple[re.Pattern[str], ...], path: str) -> bool:
    return any(p.search(path) for p in patterns)


def test_entries_without_groups_are_searched_as_one_pattern() -> None:
    patterns = compiled([r"^/static/", r"(?i)^/ADMIN/", r"\.map$"])
    assert len(patterns) == 1


@given(
    st.lists(st.sampled_from(ENTRIES), max_size=5),
    st.sampled_from(
        [
            "/static/a.js",
            "/admin/x",
            "/ADMIN/",
            "/ab/",
            "/a  b/",
            "/media/7/7",
            "/media/7/8",
            "/xx/",
            "/x/",
            "/health/",
            "/HEALTH/",
            "/app.js.map",
            "/books/",
        ]
    ),
)
def test_a_path_is_excluded_exactly_when_an_entry_alone_matches_it(
    entries: list[str], path: str
) -> None:
    alone = any(re.search(entry, path) for entry in entries)
    assert excluded(compiled(entries), path) == alone


@pytest.mark.parametrize(
    "entries",
    [
        ["a)|(b"],  # compiles only inside a group: an entry must compile on its own
        ["^/ok/", "^/late/(?i)flag/"],
        ["("],
        [re.compile("^/static/")],
        [b"^/static/"],
        [1],
    ],
)
def test_an_entry_that_is_no_regular_expression_is_named(entries: list[object]) -> None:
    with pytest.raises(ImproperlyConfigured, match="is not a regular expression") as raised:
        compiled(entries)
    assert repr(entries[-1]) in str(raised.value)


def test_groups_keep_their_numbers_and_names() -> None:
    patterns = compiled([r"^/(static)/", r"^/(x)\1/", r"^/(?P<s>a)/", r"^/(?P<s>b)/"])
    assert excluded(patterns, "/xx/")
    assert not excluded(patterns, "/xstatic/")
    assert excluded(patterns, "/a/") and excluded(patterns, "/b/")


def test_nothing_excluded() -> None:
    assert compiled([]) == ()
