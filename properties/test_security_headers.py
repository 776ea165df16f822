"""E2 against the target."""

from __future__ import annotations

import pytest

from properties.http.security_headers import check_security_headers
from properties.http.target import HttpTarget


@pytest.mark.property("E2", level="http")
def test_every_response_carries_the_security_headers(http: HttpTarget) -> None:
    check_security_headers(http)
