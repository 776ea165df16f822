"""Property 15 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.fields import check_field_filtering
from properties.http.target import HttpTarget


@pytest.mark.property(15, level="http")
def test_fields_selects_exactly_the_requested_fields(http: HttpTarget) -> None:
    check_field_filtering(http)
