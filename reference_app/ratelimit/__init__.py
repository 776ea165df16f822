"""Distributed rate limiting: GCRA in one Redis Lua script (reference-app.md "Rate limiting"; E1).

``RateLimiter`` is the policy (tiers, keys, header numbers) over a ``RateLimitStorage``
(``RedisRateLimitStorage`` or ``MemoryRateLimitStorage``); ``RateLimitMiddleware`` applies
it to HTTP requests. ``build`` is the factory the harness calls by default
(``[components] rate_limiter = "reference_app.ratelimit:build"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from redis.asyncio import Redis

from reference_app.ratelimit.errors import RateLimitError, UnknownTierError
from reference_app.ratelimit.headers import rate_limit_headers
from reference_app.ratelimit.identity import ANONYMOUS_TIER, Caller, CallerIdentifier
from reference_app.ratelimit.limiter import DEFAULT_WINDOW_S, RateLimitDecision, RateLimiter
from reference_app.ratelimit.middleware import RateLimitMiddleware
from reference_app.ratelimit.openapi import document_rate_limits
from reference_app.ratelimit.storage import (
    GcraStep,
    MemoryRateLimitStorage,
    RateLimitStorage,
    RedisRateLimitStorage,
    gcra_step,
)
from reference_app.settings import RateLimitSettings

__all__ = [
    "ANONYMOUS_TIER",
    "DEFAULT_TIERS",
    "Caller",
    "CallerIdentifier",
    "GcraStep",
    "MemoryRateLimitStorage",
    "RateLimitDecision",
    "RateLimitError",
    "RateLimitMiddleware",
    "RateLimitStorage",
    "RateLimiter",
    "RedisRateLimitStorage",
    "UnknownTierError",
    "build",
    "document_rate_limits",
    "gcra_step",
    "limiter_for",
    "rate_limit_headers",
]

#: The spec's tiers, requests per minute (anonymous: not in the spec; the free tier's).
DEFAULT_TIERS: Mapping[str, int] = {"anonymous": 100, "free": 100, "premium": 1000, "enterprise": 10000}


def build(
    *,
    redis: Redis | None = None,
    redis_url: str | None = None,
    key_prefix: str = "",
    limits: Mapping[str, int] | None = None,
    window_s: int = DEFAULT_WINDOW_S,
    burst: int | None = None,
    clock: Callable[[], float] | None = None,
) -> RateLimiter:
    """A limiter on Redis (``redis=`` or ``redis_url=``), else in memory with ``clock``.

    >>> limiter = build(redis_url="redis://127.0.0.1:6379/0", key_prefix="test:", limits={"free": 10})
    >>> local = build(clock=fake_clock, limits={"free": 10}, window_s=60)
    """
    if redis is None and redis_url is not None:
        redis = Redis.from_url(redis_url)
    storage: RateLimitStorage = (
        RedisRateLimitStorage(redis) if redis is not None else MemoryRateLimitStorage(clock or time.time)
    )
    return RateLimiter(storage, limits=limits or DEFAULT_TIERS, window_s=window_s, burst=burst, key_prefix=key_prefix)


def limiter_for(settings: RateLimitSettings, redis: Redis, *, key_prefix: str) -> RateLimiter:
    """The app's limiter: tiers and window from settings, state in Redis."""
    limits = {tier: settings.limit_for(tier) for tier in DEFAULT_TIERS}
    return RateLimiter(
        RedisRateLimitStorage(redis),
        limits=limits,
        window_s=settings.window_seconds,
        burst=settings.burst,
        key_prefix=key_prefix,
    )
