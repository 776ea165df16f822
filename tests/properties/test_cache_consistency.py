"""9 fails on caches (component) and apps (http) that serve data older than a write."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from properties.component.cache_consistency import check_writes_invalidate
from reference_app.cache import CacheAside, RedisCacheStorage


class NoInvalidationCache(CacheAside):
    """Forgets to invalidate: writes leave the cached rows, lists and aggregates in place."""

    async def invalidate(self, resource: str) -> None:
        return None


class StaleWriteBackCache(CacheAside):
    """Fills without the generation guard: a fetch that read the old row before a write
    stores it after the write's invalidation."""

    async def _fill(self, key: str, value: Any, resource: str, generation: str | None, started: float) -> None:
        await self.set(key, value, resource=resource)


class NoDetachCache(CacheAside):
    """Invalidation leaves running fetches joinable: a read after the write waits for, and
    returns, the fetch that started before it."""

    async def invalidate(self, resource: str) -> None:
        forget = self._flights.forget
        self._flights.forget = lambda group: None  # type: ignore[method-assign]
        try:
            await super().invalidate(resource)
        finally:
            self._flights.forget = forget  # type: ignore[method-assign]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix(redis_key_prefix: str) -> str:
    return f"{redis_key_prefix}mutant-p9:{secrets.token_hex(4)}:"


def make(cls: type[CacheAside], redis: Redis, prefix: str) -> Any:
    return cls(RedisCacheStorage(redis), key_prefix=prefix, timeout_s=2.0)


async def test_holds_on_the_reference_cache(redis: Redis, prefix: str) -> None:
    await check_writes_invalidate(make(CacheAside, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_when_writes_do_not_invalidate(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="stale read"):
        await check_writes_invalidate(make(NoInvalidationCache, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_on_stale_write_back(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"stale read: get_or_fetch\(item:0\) returned \{'id': 0, 'value': 1\}"):
        await check_writes_invalidate(make(StaleWriteBackCache, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_when_a_later_read_joins_an_earlier_fetch(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="joined the old fetch"):
        await check_writes_invalidate(make(NoDetachCache, redis, prefix))
