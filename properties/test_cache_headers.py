"""Property 16 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.cache_headers import check_cacheable_responses, check_uncacheable_responses
from properties.http.target import HttpTarget


@pytest.mark.property(16, level="http")
def test_cacheable_gets_carry_validators_and_answer_304(http: HttpTarget) -> None:
    check_cacheable_responses(http)


@pytest.mark.property(16, level="http")
def test_mutations_errors_and_tokens_are_no_store(http: HttpTarget) -> None:
    check_uncacheable_responses(http)
