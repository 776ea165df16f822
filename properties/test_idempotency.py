"""Property E4 over HTTP: request deduplication by Idempotency-Key."""

from __future__ import annotations

import pytest

from properties.http.idempotency import HEADER, check_request_deduplication
from properties.http.target import HttpTarget


@pytest.mark.property("E4", level="http")
def test_one_idempotency_key_creates_one_resource(http: HttpTarget) -> None:
    checked = check_request_deduplication(http)
    if not checked:
        pytest.skip(f"no create operation of a list documents an {HEADER} header: E4 has nothing to check")
