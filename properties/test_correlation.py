"""Properties 31 and 32 (http part)."""

from __future__ import annotations

import pytest

from properties.http.correlation import check_fresh_ids_are_unique, check_request_ids_propagate
from properties.http.target import HttpTarget


@pytest.mark.property(31, level="http")
def test_fresh_correlation_ids_never_collide(http: HttpTarget) -> None:
    check_fresh_ids_are_unique(http)


@pytest.mark.property(32, level="http")
def test_valid_request_ids_are_echoed_invalid_ones_replaced(http: HttpTarget) -> None:
    check_request_ids_propagate(http)
