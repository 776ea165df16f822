"""Properties 4, 13, 14 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.pagination import (
    check_bad_cursors_are_refused,
    check_cursor_walk,
    check_pagination_metadata,
    check_pagination_support,
)
from properties.http.target import HttpTarget


@pytest.mark.property(4, level="http")
def test_cursor_walks_see_every_row_once_in_order(http: HttpTarget) -> None:
    check_cursor_walk(http)


@pytest.mark.property(4, level="http")
def test_tampered_or_malformed_cursors_are_refused(http: HttpTarget) -> None:
    check_bad_cursors_are_refused(http)


@pytest.mark.property(13, level="http")
def test_every_list_operation_is_paginated(http: HttpTarget) -> None:
    check_pagination_support(http)


@pytest.mark.property(14, level="http")
def test_every_page_carries_complete_metadata(http: HttpTarget) -> None:
    check_pagination_metadata(http)
