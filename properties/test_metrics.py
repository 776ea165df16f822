"""Property 21 (http part)."""

from __future__ import annotations

import pytest

from properties.http.metrics import check_request_metrics
from properties.http.target import HttpTarget


@pytest.mark.property(21, level="http")
def test_every_request_is_counted_once_by_route_template(http: HttpTarget) -> None:
    check_request_metrics(http)
