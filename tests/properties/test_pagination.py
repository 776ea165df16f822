"""4, 13, 14 fail on broken pagination."""

from __future__ import annotations

import json

import pytest

from properties.http.pagination import (
    check_bad_cursors_are_refused,
    check_cursor_walk,
    check_pagination_metadata,
    check_pagination_support,
)
from tests.properties.asgi import RewriteRequest, RewriteResponse, query, with_query

LIST_PATH = "/api/v1/incidents"


def _is_list(scope) -> bool:
    return scope["method"] == "GET" and scope["path"] == LIST_PATH


def _rewrite_page(change):
    def wrap(app):
        def rewrite(scope, answer) -> None:
            if _is_list(scope) and answer.status == 200:
                page = json.loads(answer.body)
                change(page)
                answer.body = json.dumps(page).encode()

        return RewriteResponse(app, rewrite, identity=True)

    return wrap


def _drop_last_item_of_full_pages(page) -> None:
    """The classic off-by-one: the cursor points past an item the page never showed."""
    if page["has_more"] and len(page["items"]) > 1:
        page["items"] = page["items"][:-1]


def _crash_on_bad_cursor(app):
    def rewrite(scope, answer) -> None:
        if _is_list(scope) and answer.status == 400:
            answer.status = 500

    return RewriteResponse(app, rewrite)


def _ignore_limit(app):
    def rewrite(scope):
        if not _is_list(scope):
            return scope
        pairs = [(k, v) for k, v in query(scope) if k != "limit"]
        return with_query(scope, pairs)

    return RewriteRequest(app, rewrite)


def _always_more(page) -> None:
    page["has_more"] = True


def test_all_hold_on_the_reference_app(open_target):
    with open_target() as http:
        check_cursor_walk(http)
        check_bad_cursors_are_refused(http)
        check_pagination_support(http)
        check_pagination_metadata(http)


@pytest.mark.mutant(4)
def test_cursor_walk_fails_when_pages_drop_a_row(open_target):
    dropping = _rewrite_page(_drop_last_item_of_full_pages)
    with open_target(dropping) as http, pytest.raises(AssertionError, match="never deleted, not served"):
        check_cursor_walk(http)


@pytest.mark.mutant(4)
def test_bad_cursors_fail_when_they_crash(open_target):
    with open_target(_crash_on_bad_cursor) as http, pytest.raises(AssertionError, match="answered 500"):
        check_bad_cursors_are_refused(http)


@pytest.mark.mutant(13)
def test_pagination_support_fails_when_limit_is_ignored(open_target):
    with open_target(_ignore_limit) as http, pytest.raises(AssertionError, match="served"):
        check_pagination_support(http)


@pytest.mark.mutant(14)
def test_metadata_fails_when_has_more_lies(open_target):
    with open_target(_rewrite_page(_always_more)) as http, pytest.raises(AssertionError, match="has_more"):
        check_pagination_metadata(http)
