"""E3 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.cors import check_cors_is_restricted
from properties.http.target import HttpTarget


@pytest.mark.property("E3", level="http")
def test_cors_grants_only_allowed_origins(http: HttpTarget) -> None:
    check_cors_is_restricted(http)
