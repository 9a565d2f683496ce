"""Tracking as plain functions: no Django, no requests."""

from __future__ import annotations

import base64
import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from sessionkit.tracking import (
    ERRORS_LENGTH,
    HISTORY_LENGTH,
    MAX_PATH_LENGTH,
    TOKEN_LENGTH,
    UNIQUE_PAGES_CAP,
    Figures,
    PageView,
    begin,
    finish,
    path_token,
)


def view(path: str, t: int = 1000, query: str = "") -> PageView:
    return PageView.of(path, path + query, t)


def visit(*steps: tuple[str, int]) -> Figures:
    figures = Figures()
    for n, (path, status) in enumerate(steps):
        figures = finish(figures, view(path, 1000 + n), status)
    return figures


def test_a_new_session_has_nothing() -> None:
    figures = Figures()
    assert (figures.requests, figures.pages, figures.unique_pages, figures.errors) == (0, 0, 0, 0)
    assert figures.first_page


def test_begin_counts_the_request_as_a_page() -> None:
    figures = begin(Figures(), view("/", 1000))
    assert figures.requests == 1
    assert figures.pages == 1
    assert figures.unique_pages == 1
    assert figures.history == (("/", 1000),)
    assert figures.tracker == ("/",)
    assert figures.start == 1000
    assert figures.first_page


def test_finish_200_is_what_begin_showed() -> None:
    before = visit(("/a", 200), ("/b", 404))
    assert finish(before, view("/c"), 200) == begin(before, view("/c"))


def test_scripted_visit() -> None:
    figures = visit(
        ("/", 200),
        ("/books/", 200),
        ("/books/", 200),
        ("/login/", 302),
        ("/missing/", 404),
        ("/boom/", 500),
        ("/authors/", 200),
    )
    assert figures.requests == 7
    assert figures.pages == 4
    assert figures.unique_pages == 3
    assert figures.errors == 2
    assert figures.recent_errors == (("/missing/", 404, 1004), ("/boom/", 500, 1005))
    assert [path for path, _ in figures.history] == ["/", "/books/", "/books/", "/authors/"]
    assert figures.tracker == ("/authors/", "/books/", "/")
    assert not figures.first_page


def test_a_redirect_is_neither_page_nor_error() -> None:
    figures = visit(("/old/", 301), ("/login/", 302))
    assert (figures.requests, figures.pages, figures.errors) == (2, 0, 0)
    assert figures.history == ()


def test_tracker_keeps_five_distinct_newest_first_and_ignores_reloads() -> None:
    figures = visit(*[(f"/{n}/", 200) for n in range(7)], ("/6/", 200), ("/3/", 200))
    assert figures.tracker == ("/3/", "/6/", "/5/", "/4/", "/2/")


def test_history_is_a_ring() -> None:
    figures = visit(*[(f"/{n}/", 200) for n in range(HISTORY_LENGTH + 20)])
    assert len(figures.history) == HISTORY_LENGTH
    assert figures.history[0][0] == "/20/"
    assert figures.history[-1][0] == f"/{HISTORY_LENGTH + 19}/"


def test_history_keeps_each_path_whole_however_the_log_shares_their_starts() -> None:
    paths = [
        "/catalog/book/12/",
        "/catalog/book/13/",
        "/catalog/book/13/",  # a reload
        "/catalog/book/13/?page=2",  # the one before is where this one starts
        "/catalog/",
        "/",
        "/about/",
        "/catalog/book/12/",
    ]
    figures = Figures()
    for n, path in enumerate(paths):
        figures = finish(figures, PageView.of(path.split("?")[0], path, 1000 + 7 * n), 200)
    assert figures.history == tuple((path, 1000 + 7 * n) for n, path in enumerate(paths))
    assert len(figures.log) < len(" ".join(f"{7 * n} {p}" for n, p in enumerate(paths)))
    assert figures.log.endswith(" 49 /catalog/book/12/")  # the newest entry is whole
    assert Figures.load(json.loads(json.dumps(figures.dump()))).history == figures.history


@given(
    st.lists(
        st.sampled_from(["/", "/a/", "/a/b/", "/a/b/?c", "/a/bc/", "/ab/", "/a", "/b/"]),
        max_size=HISTORY_LENGTH + 30,
    ),
    st.integers(min_value=0, max_value=3),
)
def test_history_is_the_paths_viewed_after_any_drop_or_shrink(
    paths: list[str], steps: int
) -> None:
    figures = visit(*[(path, 200) for path in paths])
    shown = [p for p, _ in figures.history]
    assert shown == paths[-HISTORY_LENGTH:]
    shrunk = [p for p, _ in figures.shrunk(steps).history]
    assert shrunk == shown[len(shown) - len(shrunk) :]


def test_a_log_stored_with_whole_paths_is_extended_as_it_is() -> None:
    """Format 2 kept every path whole (no head had a dot): such a log reads, and grows."""
    stored = [2, 1000, 2, 2, 0, "", "0 /catalog/book/1/ 5 /catalog/book/2/", [], []]
    figures = finish(Figures.load(stored), view("/catalog/book/3/", 1010), 200)
    assert figures.history == (
        ("/catalog/book/1/", 1000),
        ("/catalog/book/2/", 1005),
        ("/catalog/book/3/", 1010),
    )
    assert figures.log == "0 /catalog/book/1/ 5.14 2/ 10 /catalog/book/3/"


def test_errors_are_a_ring() -> None:
    figures = visit(*[(f"/e{n}/", 404) for n in range(ERRORS_LENGTH + 3)])
    assert figures.errors == ERRORS_LENGTH + 3
    assert len(figures.recent_errors) == ERRORS_LENGTH
    assert figures.recent_errors[0][0] == "/e3/"


def test_unique_pages_ignore_the_query_string_and_stop_at_the_cap() -> None:
    figures = Figures()
    figures = finish(figures, view("/search/", query="?q=a"), 200)
    figures = finish(figures, view("/search/", query="?q=b"), 200)
    assert figures.unique_pages == 1
    assert [p for p, _ in figures.history] == ["/search/?q=a", "/search/?q=b"]
    for n in range(UNIQUE_PAGES_CAP + 50):
        figures = finish(figures, view(f"/p/{n}/"), 200)
    assert figures.unique_pages == UNIQUE_PAGES_CAP


def test_long_paths_are_cut() -> None:
    figures = begin(Figures(), view("/" + "x" * 5000))
    assert len(figures.history[0][0]) == MAX_PATH_LENGTH


def test_dump_and_load_round_trip_through_json() -> None:
    figures = visit(("/", 200), ("/a/", 404), ("/b/", 200))
    assert Figures.load(json.loads(json.dumps(figures.dump()))) == figures


@given(
    st.from_type(object)
    | st.lists(st.integers())
    | st.text()
    | st.lists(st.floats() | st.integers() | st.text(), min_size=9, max_size=9).map(
        lambda raw: [2, *raw[1:]]
    )
    | st.lists(st.floats() | st.integers() | st.text(), min_size=9, max_size=9).map(
        lambda raw: [3, *raw[1:]]
    )
)
def test_load_never_fails(raw: object) -> None:
    assert isinstance(Figures.load(raw), Figures)


def test_figures_stored_in_format_2_count_the_same_pages() -> None:
    """Format 2 kept unique pages as packed 32-bit BLAKE2b digests in base64; loaded, each
    becomes its path's token, so a page counted then is not counted again."""
    paths = ["/", "/catalog/", "/catalog/book/7/"]
    packed = b"".join(hashlib.blake2b(p.encode(), digest_size=4).digest() for p in paths)
    stored = [2, 1000, 5, 3, 0, base64.b64encode(packed).decode(), "0 / 5 /catalog/", [], []]
    figures = Figures.load(json.loads(json.dumps(stored)))
    assert figures.unique_pages == 3
    assert figures.unique == "".join(path_token(p) for p in paths)
    assert [p for p, _ in figures.history] == ["/", "/catalog/"]
    for path in paths:
        figures = finish(figures, view(path), 200)
    assert figures.unique_pages == 3
    assert finish(figures, view("/about/"), 200).unique_pages == 4
    assert figures.dump()[0] == 3
    assert Figures.load(json.loads(json.dumps(figures.dump()))) == figures


def test_a_token_counts_only_where_a_token_starts() -> None:
    """A path's token found across two others' (shifted by a character) is not that page."""
    token = path_token("/x/")
    unique = "A" + token + "B" * (2 * TOKEN_LENGTH - len(token) - 1)  # two tokens
    figures = finish(Figures(unique=unique, requests=2, pages=2), view("/x/"), 200)
    assert figures.unique_pages == 3
    assert finish(figures, view("/x/"), 200).unique_pages == 3


def test_load_of_an_infinite_count_is_a_new_session() -> None:
    assert Figures.load([2, 1e999, 1, 1, 0, "", "", [], []]) == Figures()


@given(
    st.lists(
        st.tuples(st.sampled_from(["/a", "/b", "/c", "/d"]), st.sampled_from([200, 302, 404, 500]))
    )
)
def test_counts_add_up(steps: list[tuple[str, int]]) -> None:
    figures = visit(*steps)
    assert figures.requests == len(steps)
    assert figures.pages == sum(1 for _, s in steps if s == 200)
    assert figures.errors == sum(1 for _, s in steps if s >= 400)
    assert figures.unique_pages == len({p for p, s in steps if s == 200})
    assert figures.requests >= figures.pages + figures.errors
