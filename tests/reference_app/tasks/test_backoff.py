"""Retry delays (property 18): within [0, min(cap, base·2ⁿ)] with full jitter, exactly the
ceiling without; Celery's ``retry_backoff`` gaps 1, 2, 4 s for base 1 s."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.tasks import Backoff

bases = st.floats(min_value=0.001, max_value=60)
caps = st.floats(min_value=0.001, max_value=3600)
retries = st.integers(min_value=0, max_value=200)
uniforms = st.floats(min_value=0, max_value=1, exclude_max=True)


@given(base=bases, cap=caps, retry=retries, draw=uniforms)
def test_jittered_delay_lies_within_the_capped_exponential_bound(base, cap, retry, draw):
    backoff = Backoff(base_s=base, cap_s=cap, jitter=True, random=lambda: draw)
    delay = backoff.delay(retry)
    assert 0 <= delay <= min(cap, base * 2.0 ** min(retry, 64))
    assert delay <= cap


@given(base=bases, cap=caps, retry=retries)
def test_without_jitter_the_delay_is_the_ceiling(base, cap, retry):
    backoff = Backoff(base_s=base, cap_s=cap, jitter=False)
    assert backoff.delay(retry) == backoff.ceiling(retry) == min(cap, base * 2.0 ** min(retry, 64))


def test_celery_gaps_for_a_one_second_base():
    backoff = Backoff(base_s=1.0, cap_s=600.0, jitter=False)
    assert [backoff.delay(n) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]


def test_a_negative_retry_is_refused():
    with pytest.raises(ValueError, match="retry must be >= 0"):
        Backoff(base_s=1.0, cap_s=2.0).ceiling(-1)
