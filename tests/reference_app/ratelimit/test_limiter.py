"""RateLimiter (GCRA): the bound over any interval, rejections consume nothing, Redis keys."""

from __future__ import annotations

import hashlib
import math
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from reference_app.ratelimit import MemoryRateLimitStorage, RateLimitDecision, RateLimiter, build, rate_limit_headers


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@settings(max_examples=150, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=30),
    burst=st.integers(min_value=1, max_value=10),
    gaps=st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=120),
)
async def test_accepted_never_exceed_burst_plus_the_rate_over_any_interval(limit, burst, gaps):
    clock = Clock()
    limiter = build(clock=clock, limits={"free": limit}, window_s=60, burst=burst)
    accepted: list[float] = []
    for gap in gaps:
        clock.now += gap
        if (await limiter.hit("free", "user:1")).allowed:
            accepted.append(clock.now)
    for i, start in enumerate(accepted):
        for j in range(i, len(accepted)):
            delta = accepted[j] - start
            # Rounded to 1e-6: GCRA keeps integer microseconds, the float sums do not.
            assert j - i + 1 <= burst + math.ceil(round(delta * limit / 60, 6)), (i, j, delta)


async def test_a_quiet_caller_gets_the_burst_then_one_per_interval():
    clock = Clock()
    limiter = build(clock=clock, limits={"free": 60}, window_s=60, burst=5)
    results = [(await limiter.hit("free", "k")).allowed for _ in range(7)]
    assert results == [True] * 5 + [False] * 2
    clock.now += 1.0
    assert (await limiter.hit("free", "k")).allowed
    assert not (await limiter.hit("free", "k")).allowed


async def test_rejections_consume_nothing():
    clock = Clock()
    limiter = build(clock=clock, limits={"free": 60}, window_s=60, burst=1)
    assert (await limiter.hit("free", "k")).allowed
    for _ in range(100):  # hammering while limited does not push the next slot back
        denied = await limiter.hit("free", "k")
        assert not denied.allowed and denied.retry_after_s == 1
    clock.now += 1.0
    assert (await limiter.hit("free", "k")).allowed


async def test_numbers_for_the_headers():
    clock = Clock()
    limiter = build(clock=clock, limits={"free": 100}, window_s=60)
    first = await limiter.hit("free", "k")
    assert (first.limit, first.remaining, first.reset_s, first.retry_after_s) == (100, 99, 1, 0)
    for _ in range(99):
        last = await limiter.hit("free", "k")
    assert last.remaining == 0 and last.reset_s == 60
    denied = await limiter.hit("free", "k")
    assert not denied.allowed and denied.retry_after_s == 1 and denied.remaining == 0


def test_headers_follow_draft_10_and_the_x_ratelimit_convention():
    decision = RateLimitDecision(False, "free", 100, 60, 0, 12, 3)
    assert dict(rate_limit_headers(decision)) == {
        b"ratelimit-policy": b'"free";q=100;w=60',
        b"ratelimit": b'"free";r=0;t=12',
        b"x-ratelimit-limit": b"100",
        b"x-ratelimit-remaining": b"0",
        b"x-ratelimit-reset": b"12",
        b"retry-after": b"3",
    }


async def test_redis_keys_are_hashed_per_tier_and_expire(redis_url):
    redis = Redis.from_url(redis_url)
    prefix = f"test:rl:{secrets.token_hex(6)}:"
    try:
        limiter = build(redis=redis, key_prefix=prefix, limits={"free": 2, "premium": 1000}, window_s=60)
        assert limiter.key("free", "user:1") == f"{prefix}rl:free:{hashlib.sha256(b'user:1').hexdigest()}"
        assert [(await limiter.hit("free", "user:1")).allowed for _ in range(3)] == [True, True, False]
        stored = await redis.get(limiter.key("free", "user:1"))
        assert 0 < await redis.pttl(limiter.key("free", "user:1")) <= 60_000
        denied = await limiter.hit("free", "user:1")
        assert denied.retry_after_s >= 1
        assert await redis.get(limiter.key("free", "user:1")) == stored  # rejections write nothing
        assert (await limiter.hit("premium", "user:1")).allowed  # another tier, another key
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def test_bad_limits_are_refused_with_an_example():
    with pytest.raises(ValueError, match="Example"):
        RateLimiter(build().storage, limits={"free": 0})


async def test_the_finest_limit_one_request_per_microsecond_still_decides():
    limiter = RateLimiter(MemoryRateLimitStorage(clock=lambda: 100.0), limits={"bulk": 60_000_000}, window_s=60)
    decision = await limiter.hit("bulk", "key-1")
    assert decision.allowed and decision.remaining == 60_000_000 - 1
    with pytest.raises(ValueError, match="one per microsecond"):
        RateLimiter(MemoryRateLimitStorage(), limits={"bulk": 60_000_001}, window_s=60)
