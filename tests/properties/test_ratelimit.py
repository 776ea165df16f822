"""E1 fails on limiters that do not share their counts or their tiers (the reference limiter, mutated)."""

from __future__ import annotations

import secrets
from contextlib import AsyncExitStack
from typing import Any

import pytest
from redis.asyncio import Redis

from properties.component.ratelimit import check_distributed_limit
from properties.http.ratelimit import check_rate_limits
from reference_app.ratelimit import MemoryRateLimitStorage, RateLimiter, RedisRateLimitStorage, build
from tests.properties.asgi import RewriteResponse
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


#: Tight limits for the in-process app of the http failure proofs.
HTTP_LIMITS = {"free": 3, "premium": 5}


@pytest.fixture
def tight_limits(monkeypatch):
    """Low per-tier limits; the window stays the default: the in-process app shares the
    session's Redis prefix, and a longer window would push the ANONYMOUS bucket of the
    test client (sign-ups) far into the future for every later in-process test."""
    for tier, limit in {**HTTP_LIMITS, "enterprise": 7}.items():
        monkeypatch.setenv(f"APP_RATE_LIMIT__{tier.upper()}", str(limit))
    monkeypatch.setenv("APP_RATE_LIMIT__REDIS_TIMEOUT_SECONDS", "10")


def _no_retry_after(app):
    def rewrite(scope, answer) -> None:
        if answer.status == 429:
            answer.drop_header("retry-after")

    return RewriteResponse(app, rewrite)


class _TwoProcessesCountingApart:
    """Alternates requests between two app instances whose limiters count under different
    Redis prefixes: two processes that do not share their counts."""

    def __init__(self, first, second):
        self.apps = [first, second]
        self.turn = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            async with AsyncExitStack() as stack:
                for app in self.apps:
                    await stack.enter_async_context(app.router.lifespan_context(app))
                await receive()
                await send({"type": "lifespan.startup.complete"})
                await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.turn += 1
        await self.apps[self.turn % 2](scope, receive, send)


def test_the_http_property_holds_in_process(open_target, tight_limits):
    with open_target() as http:
        assert check_rate_limits(http, HTTP_LIMITS)


@pytest.mark.mutant("E1")
def test_http_limit_fails_without_retry_after(open_target, tight_limits):
    with open_target(_no_retry_after) as http, pytest.raises(AssertionError, match="a 429 has Retry-After ''"):
        check_rate_limits(http, HTTP_LIMITS)


@pytest.mark.mutant("E1")
def test_http_limit_fails_when_processes_count_apart(open_target, tight_limits, app_env):
    from reference_app.app import create_app
    from reference_app.settings import build_settings

    def second_process(app):
        with pytest.MonkeyPatch.context() as patch:
            for name, value in app_env.items():
                patch.setenv(name, value)
            patch.setenv("APP_REDIS_KEY_PREFIX", f"{app_env['APP_REDIS_KEY_PREFIX']}other-{secrets.token_hex(3)}:")
            other = create_app(build_settings())
        return _TwoProcessesCountingApart(app, other)

    with open_target(second_process) as http, pytest.raises(AssertionError, match="above the bound"):
        check_rate_limits(http, HTTP_LIMITS)
