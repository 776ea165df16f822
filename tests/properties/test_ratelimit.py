"""E1 fails on limiters that do not share their counts or their tiers (the reference limiter, mutated)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from redis.asyncio import Redis

from properties.component.ratelimit import check_distributed_limit
from reference_app.ratelimit import MemoryRateLimitStorage, RateLimiter, RedisRateLimitStorage, build
from tests.properties.shrinking import no_shrinking


def per_process_limiter(*, redis: Redis, **kwargs: Any) -> RateLimiter:
    """Counts in a dict of its own instance (what a per-process limiter does): N processes, N quotas."""
    return RateLimiter(MemoryRateLimitStorage(), **kwargs)


class LowestTierLimiter(RateLimiter):
    """Applies the lowest tier's limit to every tier: paying tiers get the free quota."""

    def limit(self, tier: str) -> int:
        super().limit(tier)
        return min(self.limits.values())


def lowest_tier_limiter(*, redis: Redis, **kwargs: Any) -> RateLimiter:
    return LowestTierLimiter(RedisRateLimitStorage(redis), **kwargs)


@pytest.fixture
def prefix(redis_key_prefix: str) -> str:
    return f"{redis_key_prefix}mutant-rl:{secrets.token_hex(4)}:"


async def test_the_property_holds_on_the_reference_limiter(redis_url: str, prefix: str) -> None:
    await check_distributed_limit(build, redis_url, prefix)


@pytest.mark.mutant("E1")
async def test_limit_fails_when_each_process_counts_alone(redis_url: str, prefix: str) -> None:
    with no_shrinking(), pytest.raises(AssertionError, match="hits accepted, more than the bound"):
        await check_distributed_limit(per_process_limiter, redis_url, prefix)


@pytest.mark.mutant("E1")
async def test_limit_fails_when_every_tier_gets_the_lowest_limit(redis_url: str, prefix: str) -> None:
    with no_shrinking(), pytest.raises(AssertionError, match=r"(below the quota|an outcome says limit|limit\(.*\) is)"):
        await check_distributed_limit(lowest_tier_limiter, redis_url, prefix)
