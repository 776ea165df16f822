from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from reference_app.resilience import BreakerStorage, MemoryBreakerStorage, RedisBreakerStorage


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def breaker_storage(request, redis_url) -> AsyncIterator[BreakerStorage]:
    if request.param == "memory":
        yield MemoryBreakerStorage()
        return
    client = Redis.from_url(redis_url)
    prefix = f"test:cb:{secrets.token_hex(6)}:"
    try:
        yield RedisBreakerStorage(client, key_prefix=prefix)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
