"""Property 12 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.compression import check_compression
from properties.http.target import HttpTarget


@pytest.mark.property(12, level="http")
def test_large_responses_are_compressed_small_ones_not(http: HttpTarget) -> None:
    check_compression(http)
